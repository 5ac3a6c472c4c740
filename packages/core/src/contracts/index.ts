export { ContractRegistry, type TopicContract, type JsonSchema } from './contract-registry.js';
