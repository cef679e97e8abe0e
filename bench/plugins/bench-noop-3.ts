import { noopPlugin } from './noop-plugin.ts';

export default noopPlugin('bench-noop-3', 1003);
