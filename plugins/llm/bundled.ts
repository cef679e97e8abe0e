// Loads the bundled sub-plugins of the AI library (drivers, client formats, auth strategies) into
// the registries. The AI plugins import this once; the side effects run at module load.
import './drivers/index.ts'
import './formats/index.ts'
import './auth/index.ts'
