import { openRemoteRepo } from '../../src/git/repo.js';
import { remoteRepoContract } from './remote-repo-contract.js';

remoteRepoContract('openRemoteRepo (git CLI)', openRemoteRepo);
