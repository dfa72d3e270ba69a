"""Running a service process: start and stop, the consumer-service runner, the worker
endpoint on ``METRICS_PORT``, health checks and listening ports."""
