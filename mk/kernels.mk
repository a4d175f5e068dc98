# Kernel matrix (issue 11): the end-to-end core suite on Debian's 5.10, 6.1
# and 6.12 kernels in QEMU guests (plus 6.12 under lockdown=confidentiality)
# and on the host's kernel. See tests/kernels/README.md.
.PHONY: test-kernels kernels-fetch

test-kernels: all
	@./tests/kernels/run-matrix

# Downloads and unpacks the kernels into the cache only (no guest boots).
kernels-fetch:
	@./tests/kernels/fetch
