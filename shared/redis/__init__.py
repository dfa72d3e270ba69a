"""Redis as the pipeline's buffer: the one place a connection is made (``client``), and
whether the server is set up to hold a queue (``durability``)."""
