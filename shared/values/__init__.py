"""Values every part agrees on: aware UTC time, durations and rates as operators write
them, canonical JSON and its content hash. Imports nothing else of ``shared``."""
