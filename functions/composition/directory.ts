import {
  type DirectoryDeps,
  deleteAgent as deleteAgentUseCase,
  getAgent as getAgentUseCase,
  importAgents as importAgentsUseCase,
  listAgents as listAgentsUseCase,
  upsertAgent as upsertAgentUseCase,
} from '#domain/directory-admin.ts';
import { directoryRepository } from './core.ts';
import { once, wire } from './once.ts';

export { agentView } from '#domain/directory-admin.ts';
export { agentBodySchema, agentParamsSchema, importBodySchema, pageQuerySchema } from '#domain/message-schemas.ts';

/** Composition of the agent directory's admin routes: the directory table and nothing else (no notifier, no @connections). */

const directoryDeps = /*@__PURE__*/ once<DirectoryDeps>(() => ({ directory: directoryRepository() }));

export const upsertAgent = /*@__PURE__*/ wire(directoryDeps, upsertAgentUseCase);
export const importAgents = /*@__PURE__*/ wire(directoryDeps, importAgentsUseCase);
export const getAgent = /*@__PURE__*/ wire(directoryDeps, getAgentUseCase);
export const deleteAgent = /*@__PURE__*/ wire(directoryDeps, deleteAgentUseCase);
export const listAgents = /*@__PURE__*/ wire(directoryDeps, listAgentsUseCase);
