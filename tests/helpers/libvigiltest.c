/*
 * libvigiltest.c — a shared object of vigil's own, for ImageLoad tests
 * (dlopen and LD_PRELOAD). It does nothing but exist.
 */
int vigil_test_symbol(void);

int vigil_test_symbol(void)
{
	return 42;
}
