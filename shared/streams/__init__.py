"""Redis Streams: every key's name, the codec, publishing, group reading, and the consumer
loop that owns the protocol (``loop.py``, ``dispatch.py``) with its handler contract
(``handler.py``). Imports nothing of MySQL."""
