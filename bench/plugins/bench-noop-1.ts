import { noopPlugin } from './noop-plugin.ts';

export default noopPlugin('bench-noop-1', 1001);
