import { noopPlugin } from './noop-plugin.ts';

export default noopPlugin('bench-noop-2', 1002);
