# Compiler, flags and libraries. Every library is a Debian 12 package that
# scripts/install-deps installs; pkg-config finds its flags.

CC      ?= cc
CLANG   ?= clang
BPFTOOL ?= bpftool
AR      ?= ar
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)

ifeq ($(SANITIZE),1)
B       := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
B       := build
SANFLAGS :=
endif

PKGS    := libbpf libxml-2.0 libcrypto sqlite3 yaml-0.1 libhs libpcre2-8 json-c libcap libseccomp libnats
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CPPFLAGS += -Iinclude -Isrc -I$(B)/bpf -D_GNU_SOURCE -DVIGIL_VERSION='"$(VERSION)"'
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 \
	   -fstack-protector-strong -D_FORTIFY_SOURCE=2 -MMD -MP $(SANFLAGS) $(PKG_CFLAGS)
LDFLAGS += $(SANFLAGS) -Wl,-z,relro,-z,now
LDLIBS  += $(PKG_LIBS) -lelf -lz -lpthread -lm
