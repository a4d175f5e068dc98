# Sink integration tools and tests (tests/sinks/): a record feeder that
# drives any output spec, a JetStream stream checker and a syslog receiver
# that parses what it gets with libxml2. `make sinks-test` runs the
# integration suite against real nats-server processes it starts itself.

SINKS_TOOLS := $(B)/sinks/sinkfeed $(B)/sinks/natscheck $(B)/sinks/syslogrecv

.PHONY: sinks-tools sinks-test
sinks-tools: $(SINKS_TOOLS)

$(B)/sinks/%: tests/sinks/%.c $(B)/libvigil.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) -o $@ $< $(B)/libvigil.a $(LDFLAGS) $(LDLIBS)

sinks-test: all sinks-tools
	./tests/sinks/run
