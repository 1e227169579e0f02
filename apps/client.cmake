# cellstrap-client: argument parsing and wiring only.
