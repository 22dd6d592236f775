export { cloneWorkspace, commitChange, generateService, type WorkspaceClone } from './workspace-clone';
