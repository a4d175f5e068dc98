# BPF objects and their libbpf skeletons.
#
# vmlinux.h is generated from the running kernel's BTF at build time; CO-RE
# relocations make the objects load on other BTF kernels too. Each
# src/bpf/X.bpf.c becomes $(B)/bpf/X.bpf.o and $(B)/bpf/X.skel.h.

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BPF_SRCS  := $(wildcard src/bpf/*.bpf.c)
BPF_OBJS  := $(BPF_SRCS:src/bpf/%.bpf.c=$(B)/bpf/%.bpf.o)
BPF_SKELS := $(BPF_SRCS:src/bpf/%.bpf.c=$(B)/bpf/%.skel.h)
VMLINUX_H := $(B)/bpf/vmlinux.h
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -Iinclude -I$(B)/bpf -Isrc/bpf

$(VMLINUX_H):
	@mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(B)/bpf/%.bpf.o: src/bpf/%.bpf.c $(VMLINUX_H) $(wildcard src/bpf/*.h) include/vigil/event.h
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(B)/bpf/%.skel.h: $(B)/bpf/%.bpf.o
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@
