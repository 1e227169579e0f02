/* placeholder.c - PLACEHOLDER until the store module lands; delete then. */
int cs_store_placeholder(void);
int cs_store_placeholder(void) { return 0; }
