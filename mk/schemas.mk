# schemas.mk — `vigil schema check` reads the shipped OCSF / ECS schemas
# from the data directory found at run time (src/common/datadir.c); only the
# unit test, never installed, is told where this tree's data/ is.
$(B)/tests/test_schema_formats: CPPFLAGS += $(COV_DATADIR_DEF) -DSCHEMA_DOCS='"$(abspath docs/schemas)"'
