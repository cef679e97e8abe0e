import { noopPlugin } from './noop-plugin.ts';

export default noopPlugin('bench-noop-5', 1005);
