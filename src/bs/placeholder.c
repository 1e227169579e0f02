/* placeholder.c - PLACEHOLDER until the bs module lands; delete then. */
int cs_bs_placeholder(void);
int cs_bs_placeholder(void) { return 0; }
