// Value patterns of the documents FLARE reads (names, labels, times, images, quantities), shared
// by the readers, the config and status parsers and the generated JSON Schemas.
export const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const ENV_NAME_RE = /^[A-Z_][A-Z0-9_]*$/;
/** Variable names that carry credentials: their values must come from a Secret, never from the repo. */
/**
 * Env names that look like credentials: *_KEY, *_PASS*, *TOKEN*, *SECRET*, PASSWORD, CREDENTIAL(S).
 * TOKENS/TOKENIZER are counts and model settings (MAX_TOKENS=512), not credentials.
 */
export const SECRET_NAME_RE = /(^|_)KEY$|(^|_)PASS|PASSWORD|PASSWD|TOKEN(?!S|IZER)|SECRET|CREDENTIAL|APIKEY/;
export const HHMM_RE = /^([01]\d|2[0-3]):[0-5]\d$/;
export const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const RFC3339_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
export const TIMEZONE_RE = /^(UTC|GMT|[A-Z][A-Za-z_]+(\/[A-Za-z0-9_+-]+){1,2}|Etc\/[A-Za-z0-9+-]+)$/;
export const IMAGE_RE = /^[a-zA-Z0-9][a-zA-Z0-9._\-/:@]*$/;
export const HOSTNAME_RE = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
export const GPU_MODEL_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const REGION_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Region patterns of the location catalog: `*` matches any run of [a-z0-9-]. */
export const REGION_PATTERN_RE = /^[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?$/;
export const LABEL_KEY_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
export const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
export const COMPUTE_CAPABILITY_RE = /^(\d+\.\d+|any)$/;
export const CARBON_RE = /^\d+(\.\d+)?\s*(g|kg)\s*CO2e?\s*\/\s*h$/i;
export const BANDWIDTH_RE = /^\d+(\.\d+)?\s*[KMGT]?bps$/i;
export const PERCENT_RE = /^\d{1,3}(\.\d+)?%$/;
export const CIDR_RE = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(3[0-2]|[12]?\d)$|^[0-9a-fA-F:]+\/(12[0-8]|1[01]\d|[1-9]?\d)$/;
