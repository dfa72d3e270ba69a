"""What the tests and the benchmarks both run: the stand-in upstream, the services as OS
processes, an owned ``redis-server`` and where the test backends are."""
