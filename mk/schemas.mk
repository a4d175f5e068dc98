# schemas.mk — `vigil schema check` reads the shipped OCSF / ECS schemas
# from the same data directory as `vigil coverage` (VIGIL_DATADIR, coverage.mk).
$(B)/src/cli/cmd_schema.o: CPPFLAGS += $(COV_DATADIR_DEF)
$(B)/tests/test_schema_formats: CPPFLAGS += $(COV_DATADIR_DEF) -DSCHEMA_DOCS='"$(abspath docs/schemas)"'
