/* placeholder.c - PLACEHOLDER until the client module lands; delete then. */
int cs_client_placeholder(void);
int cs_client_placeholder(void) { return 0; }
