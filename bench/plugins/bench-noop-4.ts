import { noopPlugin } from './noop-plugin.ts';

export default noopPlugin('bench-noop-4', 1004);
