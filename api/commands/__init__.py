"""CLI commands, one module per topic.  Each module lists its click commands in ``COMMANDS``;
:mod:`api.cli` adds every module's commands to the ``innonet`` group."""
