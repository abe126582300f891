import { createScheduleHandler } from '../src/api/schedule-event';
import { createPipeline } from '../src/aws/pipeline';
import { loadAppConfig } from '../src/config/app-config';
import { createLogger } from '../src/observability/logger';

const config = loadAppConfig(process.env);
const pipeline = createPipeline(config);

/** Schedule tick → submit the configured URL list or manifest, once per tick. */
export const handler = createScheduleHandler(pipeline, createLogger({ level: config.logLevel }));
