# install.mk — `make install` (FHS layout, PREFIX and DESTDIR honoured) and
# `make deb` (a Debian package built with debhelper from debian/).
#
#   PREFIX=/usr/local (default)   binary in $(PREFIX)/sbin, data in
#                                 $(PREFIX)/share/vigil, man page in
#                                 $(PREFIX)/share/man/man8
#   SYSCONFDIR=/etc               configuration in $(SYSCONFDIR)/vigil
#   LOCALSTATEDIR=/var            state in $(LOCALSTATEDIR)/lib/vigil (0700)
#   SYSTEMDUNITDIR                /lib/systemd/system, as Debian 12's debhelper
#
# The binary finds $(PREFIX)/share/vigil as ../share/vigil beside itself
# (src/common/datadir.c), so nothing here is compiled into it. An existing
# configuration file is never overwritten by `make install`.
PREFIX         ?= /usr/local
SBINDIR        ?= $(PREFIX)/sbin
DATADIR        ?= $(PREFIX)/share/vigil
MANDIR         ?= $(PREFIX)/share/man
SYSCONFDIR     ?= /etc
LOCALSTATEDIR  ?= /var
SYSTEMDUNITDIR ?= /lib/systemd/system
INSTALL        ?= install
# debian/rules binary needs root or fakeroot for file ownership in the .deb.
ROOTCMD        := $(if $(filter 0,$(shell id -u)),,fakeroot)

.PHONY: install deb
install: $(B)/vigil
	$(INSTALL) -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR)/attack \
		$(DESTDIR)$(DATADIR)/sigma $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSCONFDIR)/vigil $(DESTDIR)$(SYSTEMDUNITDIR)
	$(INSTALL) -d -m 0700 $(DESTDIR)$(LOCALSTATEDIR)/lib/vigil
	$(INSTALL) -m 0755 $(B)/vigil $(DESTDIR)$(SBINDIR)/vigil
	$(INSTALL) -m 0644 data/event_dc_map.tsv data/atomics_key_dc.tsv $(DESTDIR)$(DATADIR)/
	$(INSTALL) -m 0644 data/attack/* $(DESTDIR)$(DATADIR)/attack/
	$(INSTALL) -m 0644 rules/sigma/* $(DESTDIR)$(DATADIR)/sigma/
	# The OCSF and ECS schemas `vigil schema check` reads, with their
	# licences (directory trees: copied whole, then modes set).
	cp -R data/ocsf-1.8.0 data/ecs-9.3.0 $(DESTDIR)$(DATADIR)/
	find $(DESTDIR)$(DATADIR)/ocsf-1.8.0 $(DESTDIR)$(DATADIR)/ecs-9.3.0 -type d -exec chmod 0755 {} +
	find $(DESTDIR)$(DATADIR)/ocsf-1.8.0 $(DESTDIR)$(DATADIR)/ecs-9.3.0 -type f -exec chmod 0644 {} +
	$(INSTALL) -m 0644 man/vigil.8 $(DESTDIR)$(MANDIR)/man8/vigil.8
	test -e $(DESTDIR)$(SYSCONFDIR)/vigil/vigil.xml || \
		$(INSTALL) -m 0644 etc/vigil.xml $(DESTDIR)$(SYSCONFDIR)/vigil/vigil.xml
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		-e 's|@LOCALSTATEDIR@|$(LOCALSTATEDIR)|g' packaging/vigil.service.in \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/vigil.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/vigil.service

# build/deb/vigil_$(VERSION)_amd64.deb, built by debhelper (debian/rules).
# debian/rules binary is run directly rather than through dpkg-buildpackage,
# which would write its .changes and .buildinfo into the directory above the
# repo; dh_builddeb puts the package in build/deb (debian/rules).
deb:
	dpkg-checkbuilddeps
	$(ROOTCMD) debian/rules clean
	debian/rules build
	$(ROOTCMD) debian/rules binary
	@ls build/deb/vigil_$(VERSION)_*.deb
