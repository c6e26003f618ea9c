// The simulated controllers' field managers, apart from the simulator so that the controllers can
// name themselves without importing the simulator that imports them.
export const FM_FLUIDOS = 'fluidos-sim';
export const FM_LIQO = 'liqo-sim';
export const FM_KUBE = 'kube-controller-sim';
