/*
 * schema.h — the event catalogue of docs/EVENTS.md (the event contract), as data.
 *
 * Every module that names a field or an event goes through this table: the
 * Sysmon config parser (which fields an event has), the Sigma engine (field
 * name → id), the sinks (field order, JSON number or string, SQLite table)
 * and the coverage tool. Field ids are dense small integers so a record can
 * hold its values in an array indexed by id (see record.h).
 *
 * Field order within an event is Sysmon for Linux's <Data Name=...> order,
 * followed by vigil's enrichment extras. Numbers are never reused.
 */
#ifndef VIGIL_SCHEMA_H
#define VIGIL_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* X(name, kind): kind is STR (JSON string) or INT (JSON number). */
#define VIGIL_FIELDS(X)                                                                            \
	X(EventID, INT)                                                                            \
	X(Event, STR)                                                                              \
	X(Computer, STR)                                                                           \
	X(SequenceNumber, INT)                                                                     \
	X(RuleName, STR)                                                                           \
	X(UtcTime, STR)                                                                            \
	X(ProcessGuid, STR)                                                                        \
	X(ProcessId, INT)                                                                          \
	X(Image, STR)                                                                              \
	X(FileVersion, STR)                                                                        \
	X(Description, STR)                                                                        \
	X(Product, STR)                                                                            \
	X(Company, STR)                                                                            \
	X(OriginalFileName, STR)                                                                   \
	X(CommandLine, STR)                                                                        \
	X(CurrentDirectory, STR)                                                                   \
	X(User, STR)                                                                               \
	X(LogonGuid, STR)                                                                          \
	X(LogonId, INT)                                                                            \
	X(TerminalSessionId, INT)                                                                  \
	X(IntegrityLevel, STR)                                                                     \
	X(Hashes, STR)                                                                             \
	X(ParentProcessGuid, STR)                                                                  \
	X(ParentProcessId, INT)                                                                    \
	X(ParentImage, STR)                                                                        \
	X(ParentCommandLine, STR)                                                                  \
	X(ParentUser, STR)                                                                         \
	X(TargetFilename, STR)                                                                     \
	X(CreationUtcTime, STR)                                                                    \
	X(PreviousCreationUtcTime, STR)                                                            \
	X(Protocol, STR)                                                                           \
	X(Initiated, STR)                                                                          \
	X(SourceIsIpv6, STR)                                                                       \
	X(SourceIp, STR)                                                                           \
	X(SourceHostname, STR)                                                                     \
	X(SourcePort, INT)                                                                         \
	X(SourcePortName, STR)                                                                     \
	X(DestinationIsIpv6, STR)                                                                  \
	X(DestinationIp, STR)                                                                      \
	X(DestinationHostname, STR)                                                                \
	X(DestinationPort, INT)                                                                    \
	X(DestinationPortName, STR)                                                                \
	X(State, STR)                                                                              \
	X(Version, STR)                                                                            \
	X(SchemaVersion, STR)                                                                      \
	X(ImageLoaded, STR)                                                                        \
	X(Signed, STR)                                                                             \
	X(Signature, STR)                                                                          \
	X(SignatureStatus, STR)                                                                    \
	X(Device, STR)                                                                             \
	X(SourceProcessGUID, STR)                                                                  \
	X(SourceProcessId, INT)                                                                    \
	X(SourceThreadId, INT)                                                                     \
	X(SourceImage, STR)                                                                        \
	X(TargetProcessGUID, STR)                                                                  \
	X(TargetProcessId, INT)                                                                    \
	X(TargetImage, STR)                                                                        \
	X(GrantedAccess, STR)                                                                      \
	X(CallTrace, STR)                                                                          \
	X(SourceUser, STR)                                                                         \
	X(TargetUser, STR)                                                                         \
	X(Configuration, STR)                                                                      \
	X(ConfigurationFileHash, STR)                                                              \
	X(QueryName, STR)                                                                          \
	X(QueryStatus, STR)                                                                        \
	X(QueryResults, STR)                                                                       \
	X(IsExecutable, STR)                                                                       \
	X(Archived, STR)                                                                           \
	X(Type, STR)                                                                               \
	X(BpfCommand, STR)                                                                         \
	X(BpfProgramType, STR)                                                                     \
	X(BpfProgramId, INT)                                                                       \
	X(BpfProgramName, STR)                                                                     \
	X(ID, INT)                                                                                 \
	X(SourceFilename, STR)                                                                     \
	X(Change, STR)                                                                             \
	X(OldValue, STR)                                                                           \
	X(NewValue, STR)                                                                           \
	X(Syscall, STR)                                                                            \
	X(OldUid, INT)                                                                             \
	X(NewUid, INT)                                                                             \
	X(OldGid, INT)                                                                             \
	X(NewGid, INT)                                                                             \
	X(OldCaps, STR)                                                                            \
	X(NewCaps, STR)                                                                            \
	X(LocalIp, STR)                                                                            \
	X(LocalPort, INT)                                                                          \
	X(Namespaces, STR)                                                                         \
	X(Source, STR)                                                                             \
	X(Target, STR)                                                                             \
	X(FsType, STR)                                                                             \
	X(Flags, STR)                                                                              \
	X(RemoteAddress, STR)                                                                      \
	X(Tty, STR)                                                                                \
	X(CappedEvent, STR)                                                                        \
	X(CapName, STR)                                                                            \
	X(KeyFields, STR)                                                                          \
	X(Key, STR)                                                                                \
	X(Count, INT)                                                                              \
	X(FirstUtcTime, STR)                                                                       \
	X(LastUtcTime, STR)                                                                        \
	X(MinIntervalMs, INT)                                                                      \
	X(MedianIntervalMs, INT)                                                                   \
	X(MaxIntervalMs, INT)                                                                      \
	X(RingBufferUsedPct, INT)                                                                  \
	X(SinkQueueDepth, INT)                                                                     \
	X(CpuMs, INT)                                                                              \
	X(RssKiB, INT)                                                                             \
	X(RuleId, STR)                                                                             \
	X(RuleTitle, STR)                                                                          \
	X(RuleLevel, STR)                                                                          \
	X(Tags, STR)                                                                               \
	X(MatchedEventID, INT)                                                                     \
	X(MatchedSequenceNumber, INT)                                                              \
	X(Detail, STR)                                                                             \
	X(ExitCode, INT)                                                                           \
	X(ContainerId, STR)                                                                        \
	X(InitiatingProcessCommandLine, STR)                                                       \
	X(InitiatingProcessParentGuid, STR)                                                        \
	X(InitiatingProcessParentImage, STR)                                                       \
	X(InitiatingProcessHashes, STR)                                                            \
	X(Kernel, STR)                                                                             \
	X(UnavailableEvents, STR)                                                                  \
	X(DegradedEvents, STR)                                                                     \
	X(AttachedPrograms, INT)                                                                   \
	X(AttachedProgramNames, STR)

enum vf_id {
	VF_NONE = 0,
#define VF_ENUM(n, k) VF_##n,
	VIGIL_FIELDS(VF_ENUM)
#undef VF_ENUM
	    VF__COUNT
};

enum vf_kind { VFK_STR = 0, VFK_INT = 1 };

/* Event ids of EVENTS.md. */
enum vigil_event_id {
	EV_PROCESS_CREATE = 1,
	EV_FILE_CREATE_TIME = 2,
	EV_NETWORK_CONNECT = 3,
	EV_SENSOR_STATE = 4,
	EV_PROCESS_TERMINATE = 5,
	EV_DRIVER_LOAD = 6,
	EV_IMAGE_LOAD = 7,
	EV_RAW_ACCESS_READ = 9,
	EV_PROCESS_ACCESS = 10,
	EV_FILE_CREATE = 11,
	EV_CONFIG_CHANGE = 16,
	EV_DNS_QUERY = 22,
	EV_FILE_DELETE = 23,
	EV_PROCESS_TAMPERING = 25,
	EV_FILE_EXECUTABLE_DETECTED = 29,
	EV_BPF_EVENT = 100,
	EV_FILE_MODIFY = 200,
	EV_FILE_RENAME = 201,
	EV_FILE_ATTRIBUTE_CHANGE = 202,
	EV_PRIVILEGE_CHANGE = 203,
	EV_NETWORK_LISTEN = 204,
	EV_NAMESPACE_CHANGE = 205,
	EV_MOUNT = 206,
	EV_LOGON_SESSION = 207,
	EV_CAP_SUMMARY = 240,
	EV_SENSOR_HEALTH = 241,
	EV_DETECTION_ALERT = 242,
	EV_TAMPER_ALERT = 243,
	EV_ERROR = 255,
};
#define VIGIL_EVENT_ID_MAX 256

/* Which EDR-style SQLite table an event lands in. */
enum vigil_family {
	VFAM_DEVICE_EVENTS = 0,
	VFAM_PROCESS,
	VFAM_NETWORK,
	VFAM_FILE,
	VFAM_IMAGE_LOAD,
	VFAM_ALERTS,
	VFAM__COUNT
};

/* Event flags. */
#define EVF_PROC   0x01 /* caused by a process: carries the initiating process + extras */
#define EVF_FILTER 0x02 /* can be filtered by the Sysmon config (has a rule tag) */
#define EVF_DAEMON 0x04 /* emitted by the daemon itself, never filtered */

struct vevent_def {
	uint16_t id;
	uint8_t family;
	uint8_t flags;
	const char *name; /* Event name == XML config element name */
	uint8_t nfields;
	const uint8_t *fields; /* enum vf_id, in output order (EventData) */
};

/* Returns the definition of event id, or NULL if vigil has no such event. */
const struct vevent_def *schema__event(unsigned id);
/* Looks up an event by its name (case-sensitive, as Sysmon's XML is). */
const struct vevent_def *schema__event_by_name(const char *name);
/* All events, in id order; *n receives the count. */
const struct vevent_def *const *schema__events(size_t *n);

/* Field name ↔ id. schema__field_by_name returns VF_NONE when unknown. */
enum vf_id schema__field_by_name(const char *name);
const char *schema__field_name(enum vf_id f);
enum vf_kind schema__field_kind(enum vf_id f);
/* True when the event's EventData has field f. */
bool schema__event_has_field(const struct vevent_def *ev, enum vf_id f);

/* SQLite table name for a family (DeviceProcessEvents, ...). */
const char *schema__family_table(enum vigil_family fam);

#define VIGIL_SCHEMA_VERSION "4.90"

#endif
