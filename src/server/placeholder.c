/* placeholder.c - PLACEHOLDER until the server module lands; delete then. */
int cs_server_placeholder(void);
int cs_server_placeholder(void) { return 0; }
