export { cloneWorkspace, commitChange, type WorkspaceClone } from './workspace-clone';
