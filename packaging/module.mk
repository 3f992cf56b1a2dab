# packaging/: `make install`, `make deb`, `make rpm`, `make packages` (both),
# `make package-test`.
#
# `install` is the one place that knows where every file goes; debian/rules
# and the RPM spec both call it with DESTDIR and their own directory
# variables, so the two packages cannot drift apart. `deb` and `rpm` build
# from a copy of the source tree under $(BUILD)/packaging/ (dpkg-buildpackage
# needs debian/ at the top of its source tree, and we do not want one in
# ours), so they never touch the files other engineers are editing nor
# race them in build/.

TT_PKG_VERSION := $(shell dpkg-parsechangelog -l packaging/debian/changelog \
			-S Version 2>/dev/null | sed 's/-[^-]*$$//')
ifeq ($(TT_PKG_VERSION),)
TT_PKG_VERSION := 0.1.0
endif

DESTDIR    ?=
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d

# The library other programs link to read and query tables: the store, the
# query engine, the control-socket client and the bpftrace compiler (every
# header in include/tracetab/ is shipped, so every one links), merged into
# one static archive so that users need a single -ltracetab.
TT_PKG_LIBS := $(BUILD)/libtt_query.a $(BUILD)/libtt_control.a $(BUILD)/libbt.a \
	       $(BUILD)/libtt_store.a
TT_PKG_BINS := $(BUILD)/tracetabd $(BUILD)/tracetab
TT_PKG_SCRIPTS := $(wildcard bpf/tools/*)

$(BUILD)/packaging/libtracetab.a: $(TT_PKG_LIBS)
	@mkdir -p $(dir $@)
	rm -f $@
	{ echo "create $@"; for l in $^; do echo "addlib $$l"; done; \
	  echo save; echo end; } | ar -M
	ranlib $@

$(BUILD)/packaging/tracetab.pc: packaging/tracetab.pc.in packaging/debian/changelog
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(TT_PKG_VERSION)|' \
	    $< >$@

# The .pc file embeds PREFIX and LIBDIR, so regenerate it on every install.
.PHONY: $(BUILD)/packaging/tracetab.pc

install: $(TT_PKG_BINS) $(BUILD)/packaging/libtracetab.a $(BUILD)/packaging/tracetab.pc
	install -D -m 0755 $(BUILD)/tracetabd $(DESTDIR)$(SBINDIR)/tracetabd
	install -D -m 0755 $(BUILD)/tracetab $(DESTDIR)$(BINDIR)/tracetab
	install -D -m 0644 packaging/man/tracetab.1 $(DESTDIR)$(MANDIR)/man1/tracetab.1
	install -D -m 0644 packaging/man/tracetabd.8 $(DESTDIR)$(MANDIR)/man8/tracetabd.8
	install -D -m 0640 packaging/tracetabd.conf $(DESTDIR)$(SYSCONFDIR)/tracetab/tracetabd.conf
	install -D -m 0644 packaging/tracetabd.service $(DESTDIR)$(UNITDIR)/tracetabd.service
	install -D -m 0644 packaging/tracetab.sysusers $(DESTDIR)$(SYSUSERSDIR)/tracetab.conf
	install -D -m 0644 packaging/tracetab.tmpfiles $(DESTDIR)$(TMPFILESDIR)/tracetab.conf
	$(if $(TT_PKG_SCRIPTS),install -d $(DESTDIR)$(DATADIR)/tracetab/scripts)
	$(if $(TT_PKG_SCRIPTS),cp -R $(TT_PKG_SCRIPTS) $(DESTDIR)$(DATADIR)/tracetab/scripts/)
	install -d $(DESTDIR)$(INCLUDEDIR)/tracetab
	install -m 0644 include/tracetab/*.h $(DESTDIR)$(INCLUDEDIR)/tracetab/
	install -D -m 0644 $(BUILD)/packaging/libtracetab.a $(DESTDIR)$(LIBDIR)/libtracetab.a
	install -D -m 0644 $(BUILD)/packaging/tracetab.pc $(DESTDIR)$(LIBDIR)/pkgconfig/tracetab.pc


tarball:
	packaging/scripts/mktarball.sh $(TT_PKG_VERSION) $(BUILD)/packaging

deb:
	packaging/scripts/build.sh deb $(TT_PKG_VERSION) $(BUILD)/packaging

rpm:
	packaging/scripts/build.sh rpm $(TT_PKG_VERSION) $(BUILD)/packaging

# Both, compiling the sources once (what the package test uses).
packages:
	packaging/scripts/build.sh both $(TT_PKG_VERSION) $(BUILD)/packaging

package-test:
	tests/packaging/package_test.sh

TESTS += tests/packaging/package_test.sh

.PHONY: install tarball deb rpm packages package-test
