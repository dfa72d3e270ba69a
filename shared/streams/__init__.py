"""Redis Streams: names, the codec, publishing and group reading."""
