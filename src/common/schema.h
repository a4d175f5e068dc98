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
	X(AttachedProgramNames, STR)                                                               \
	X(Environment, STR)                                                                        \
	X(Error, STR)                                                                              \
	X(LinkTarget, STR)                                                                         \
	X(LinkType, STR)                                                                           \
	X(OldName, STR)                                                                            \
	X(NewName, STR)                                                                            \
	X(WriteCount, INT)

enum vf_id {
	VF_NONE = 0,
#define VF_ENUM(n, k) VF_##n,
	VIGIL_FIELDS(VF_ENUM)
#undef VF_ENUM
	    VF__COUNT
};

enum vf_kind { VFK_STR = 0, VFK_INT = 1 };

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
#define EVF_PROC     0x01 /* caused by a process: carries the initiating process + extras */
#define EVF_FILTER   0x02 /* can be filtered by the Sysmon config (has a rule tag) */
#define EVF_DAEMON   0x04 /* emitted by the daemon itself, never filtered */
#define VIGIL_EVF_PF (EVF_PROC | EVF_FILTER)

/* The MDE-style enrichment extras every EVF_PROC event ends with. */
#define VIGIL_EV_EXTRAS                                                                            \
	VF_InitiatingProcessCommandLine, VF_InitiatingProcessParentGuid,                           \
	    VF_InitiatingProcessParentImage, VF_InitiatingProcessHashes, VF_ContainerId

/*
 * The event catalogue of docs/EVENTS.md: one row per event, in id order.
 *   X(SYM, id, family, flags, Name, sigma, sigma_alias, fields...)
 * SYM gives EV_SYM; Name is the event name and the Sysmon XML element;
 * sigma (and sigma_alias, or NULL) the Sigma logsource categories (product
 * linux) that route to the event, NULL when no rule can; fields the
 * EventData fields (enum vf_id) in output order: Sysmon for Linux's, then
 * vigil's extras. Everything else (the EV_* enum, schema__event(),
 * schema__events(), the Sigma routing) is generated from these rows.
 */
#define VIGIL_EVENTS(X)                                                                            \
	X(PROCESS_CREATE, 1, VFAM_PROCESS, VIGIL_EVF_PF, "ProcessCreate", "process_creation",      \
	  NULL, VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_Image, VF_FileVersion,   \
	  VF_Description, VF_Product, VF_Company, VF_OriginalFileName, VF_CommandLine,             \
	  VF_CurrentDirectory, VF_User, VF_LogonGuid, VF_LogonId, VF_TerminalSessionId,            \
	  VF_IntegrityLevel, VF_Hashes, VF_ParentProcessGuid, VF_ParentProcessId, VF_ParentImage,  \
	  VF_ParentCommandLine, VF_ParentUser, VF_ContainerId, VF_Tty, VF_Environment)             \
	X(FILE_CREATE_TIME, 2, VFAM_FILE, VIGIL_EVF_PF, "FileCreateTime", "file_change",           \
	  "file_create_time", VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_Image,     \
	  VF_TargetFilename, VF_CreationUtcTime, VF_PreviousCreationUtcTime, VF_User,              \
	  VIGIL_EV_EXTRAS)                                                                         \
	X(NETWORK_CONNECT, 3, VFAM_NETWORK, VIGIL_EVF_PF, "NetworkConnect", "network_connection",  \
	  NULL, VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_Image, VF_User,          \
	  VF_Protocol, VF_Initiated, VF_SourceIsIpv6, VF_SourceIp, VF_SourceHostname,              \
	  VF_SourcePort, VF_SourcePortName, VF_DestinationIsIpv6, VF_DestinationIp,                \
	  VF_DestinationHostname, VF_DestinationPort, VF_DestinationPortName, VIGIL_EV_EXTRAS)     \
	X(SENSOR_STATE, 4, VFAM_DEVICE_EVENTS, EVF_DAEMON, "SensorStateChange", NULL, NULL,        \
	  VF_UtcTime, VF_State, VF_Version, VF_SchemaVersion, VF_Kernel, VF_UnavailableEvents,     \
	  VF_DegradedEvents)                                                                       \
	X(PROCESS_TERMINATE, 5, VFAM_PROCESS, VIGIL_EVF_PF, "ProcessTerminate",                    \
	  "process_termination", NULL, VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId,      \
	  VF_Image, VF_User, VF_ExitCode, VIGIL_EV_EXTRAS)                                         \
	X(DRIVER_LOAD, 6, VFAM_DEVICE_EVENTS, VIGIL_EVF_PF, "DriverLoad", "driver_load", NULL,     \
	  VF_RuleName, VF_UtcTime, VF_ImageLoaded, VF_Hashes, VF_Signed, VF_Signature,             \
	  VF_SignatureStatus, VF_ProcessGuid, VF_ProcessId, VF_Image, VF_User, VIGIL_EV_EXTRAS)    \
	X(IMAGE_LOAD, 7, VFAM_IMAGE_LOAD, VIGIL_EVF_PF, "ImageLoad", "image_load", NULL,           \
	  VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_Image, VF_ImageLoaded,         \
	  VF_FileVersion, VF_Description, VF_Product, VF_Company, VF_OriginalFileName, VF_Hashes,  \
	  VF_Signed, VF_Signature, VF_SignatureStatus, VF_User, VIGIL_EV_EXTRAS)                   \
	X(RAW_ACCESS_READ, 9, VFAM_DEVICE_EVENTS, VIGIL_EVF_PF, "RawAccessRead",                   \
	  "raw_access_thread", "raw_access_read", VF_RuleName, VF_UtcTime, VF_ProcessGuid,         \
	  VF_ProcessId, VF_Image, VF_Device, VF_User, VIGIL_EV_EXTRAS)                             \
	X(PROCESS_ACCESS, 10, VFAM_DEVICE_EVENTS, VIGIL_EVF_PF, "ProcessAccess", "process_access", \
	  NULL, VF_RuleName, VF_UtcTime, VF_SourceProcessGUID, VF_SourceProcessId,                 \
	  VF_SourceThreadId, VF_SourceImage, VF_TargetProcessGUID, VF_TargetProcessId,             \
	  VF_TargetImage, VF_GrantedAccess, VF_CallTrace, VF_SourceUser, VF_TargetUser,            \
	  VF_ProcessGuid, VF_ProcessId, VF_Image, VF_User, VIGIL_EV_EXTRAS)                        \
	X(FILE_CREATE, 11, VFAM_FILE, VIGIL_EVF_PF, "FileCreate", "file_event", NULL, VF_RuleName, \
	  VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_Image, VF_TargetFilename,                   \
	  VF_CreationUtcTime, VF_User, VIGIL_EV_EXTRAS)                                            \
	X(CONFIG_CHANGE, 16, VFAM_DEVICE_EVENTS, EVF_DAEMON, "ConfigChange", NULL, NULL,           \
	  VF_UtcTime, VF_Configuration, VF_ConfigurationFileHash)                                  \
	X(DNS_QUERY, 22, VFAM_NETWORK, VIGIL_EVF_PF, "DnsQuery", "dns_query", NULL, VF_RuleName,   \
	  VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_QueryName, VF_QueryStatus, VF_QueryResults, \
	  VF_Image, VF_User, VIGIL_EV_EXTRAS)                                                      \
	X(FILE_DELETE, 23, VFAM_FILE, VIGIL_EVF_PF, "FileDelete", "file_delete", NULL,             \
	  VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_User, VF_Image,                \
	  VF_TargetFilename, VF_Hashes, VF_IsExecutable, VF_Archived, VIGIL_EV_EXTRAS)             \
	X(PROCESS_TAMPERING, 25, VFAM_PROCESS, VIGIL_EVF_PF, "ProcessTampering",                   \
	  "process_tampering", NULL, VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId,        \
	  VF_Image, VF_Type, VF_User, VIGIL_EV_EXTRAS)                                             \
	X(FILE_EXECUTABLE_DETECTED, 29, VFAM_FILE, VIGIL_EVF_PF, "FileExecutableDetected",         \
	  "file_executable_detected", NULL, VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId, \
	  VF_User, VF_Image, VF_TargetFilename, VF_Hashes, VIGIL_EV_EXTRAS)                        \
	X(BPF_EVENT, 100, VFAM_DEVICE_EVENTS, VIGIL_EVF_PF, "eBPFEvent", "bpf_event", NULL,        \
	  VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_Image, VF_User, VF_BpfCommand, \
	  VF_BpfProgramType, VF_BpfProgramId, VF_BpfProgramName, VIGIL_EV_EXTRAS)                  \
	X(FILE_MODIFY, 200, VFAM_FILE, VIGIL_EVF_PF, "FileModify", "file_modify", NULL,            \
	  VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_Image, VF_TargetFilename,      \
	  VF_User, VF_WriteCount, VIGIL_EV_EXTRAS)                                                 \
	X(FILE_RENAME, 201, VFAM_FILE, VIGIL_EVF_PF, "FileRename", "file_rename", NULL,            \
	  VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_Image, VF_SourceFilename,      \
	  VF_TargetFilename, VF_User, VIGIL_EV_EXTRAS)                                             \
	X(FILE_ATTRIBUTE_CHANGE, 202, VFAM_FILE, VIGIL_EVF_PF, "FileAttributeChange",              \
	  "file_attribute_change", NULL, VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId,    \
	  VF_Image, VF_TargetFilename, VF_Change, VF_OldValue, VF_NewValue, VF_User,               \
	  VIGIL_EV_EXTRAS)                                                                         \
	X(PRIVILEGE_CHANGE, 203, VFAM_DEVICE_EVENTS, VIGIL_EVF_PF, "PrivilegeChange",              \
	  "privilege_change", NULL, VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId,         \
	  VF_Image, VF_User, VF_Syscall, VF_OldUid, VF_NewUid, VF_OldGid, VF_NewGid, VF_OldCaps,   \
	  VF_NewCaps, VIGIL_EV_EXTRAS)                                                             \
	X(NETWORK_LISTEN, 204, VFAM_NETWORK, VIGIL_EVF_PF, "NetworkListen", "network_listen",      \
	  NULL, VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_Image, VF_User,          \
	  VF_Protocol, VF_LocalIp, VF_LocalPort, VIGIL_EV_EXTRAS)                                  \
	X(NAMESPACE_CHANGE, 205, VFAM_DEVICE_EVENTS, VIGIL_EVF_PF, "NamespaceChange",              \
	  "namespace_change", NULL, VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId,         \
	  VF_Image, VF_User, VF_Syscall, VF_Namespaces, VIGIL_EV_EXTRAS)                           \
	X(MOUNT, 206, VFAM_DEVICE_EVENTS, VIGIL_EVF_PF, "Mount", "mount", NULL, VF_RuleName,       \
	  VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_Image, VF_User, VF_Syscall, VF_Source,      \
	  VF_Target, VF_FsType, VF_Flags, VIGIL_EV_EXTRAS)                                         \
	X(LOGON_SESSION, 207, VFAM_DEVICE_EVENTS, VIGIL_EVF_PF, "LogonSession", "logon_session",   \
	  NULL, VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_Image, VF_User,          \
	  VF_LogonGuid, VF_LogonId, VF_TerminalSessionId, VF_Tty, VF_RemoteAddress,                \
	  VIGIL_EV_EXTRAS)                                                                         \
	X(SENSITIVE_FILE_READ, 208, VFAM_FILE, VIGIL_EVF_PF, "SensitiveFileRead", "file_access",   \
	  NULL, VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_Image,                   \
	  VF_TargetFilename, VF_Flags, VF_User, VIGIL_EV_EXTRAS)                                   \
	X(NETWORK_CONNECT_FAILED, 209, VFAM_NETWORK, VIGIL_EVF_PF, "NetworkConnectFailed",         \
	  "network_connection_failed", NULL, VF_RuleName, VF_UtcTime, VF_ProcessGuid,              \
	  VF_ProcessId, VF_Image, VF_User, VF_Protocol, VF_Initiated, VF_SourceIsIpv6,             \
	  VF_SourceIp, VF_SourceHostname, VF_SourcePort, VF_SourcePortName, VF_DestinationIsIpv6,  \
	  VF_DestinationIp, VF_DestinationHostname, VF_DestinationPort, VF_DestinationPortName,    \
	  VF_Error, VIGIL_EV_EXTRAS)                                                               \
	X(FILE_LINK, 210, VFAM_FILE, VIGIL_EVF_PF, "FileLink", "file_link", NULL, VF_RuleName,     \
	  VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_Image, VF_TargetFilename, VF_LinkTarget,    \
	  VF_LinkType, VF_User, VIGIL_EV_EXTRAS)                                                   \
	X(DIRECTORY_CREATE, 211, VFAM_FILE, VIGIL_EVF_PF, "DirectoryCreate", "directory_create",   \
	  NULL, VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_Image,                   \
	  VF_TargetFilename, VF_User, VIGIL_EV_EXTRAS)                                             \
	X(PROCESS_RENAME, 212, VFAM_PROCESS, VIGIL_EVF_PF, "ProcessRename", "process_rename",      \
	  NULL, VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_Image, VF_OldName,       \
	  VF_NewName, VF_User, VIGIL_EV_EXTRAS)                                                    \
	X(PROCESS_FORK, 213, VFAM_PROCESS, VIGIL_EVF_PF, "ProcessFork", "process_fork", NULL,      \
	  VF_RuleName, VF_UtcTime, VF_ProcessGuid, VF_ProcessId, VF_ParentProcessGuid,             \
	  VF_ParentProcessId, VF_Image, VF_CommandLine, VF_User, VIGIL_EV_EXTRAS)                  \
	X(CAP_SUMMARY, 240, VFAM_DEVICE_EVENTS, EVF_DAEMON, "CapSummary", "cap_summary", NULL,     \
	  VF_RuleName, VF_UtcTime, VF_CappedEvent, VF_CapName, VF_KeyFields, VF_Key, VF_Count,     \
	  VF_FirstUtcTime, VF_LastUtcTime, VF_MinIntervalMs, VF_MedianIntervalMs,                  \
	  VF_MaxIntervalMs)                                                                        \
	X(SENSOR_HEALTH, 241, VFAM_DEVICE_EVENTS, EVF_DAEMON, "SensorHealth", NULL, NULL,          \
	  VF_UtcTime, VF_RingBufferUsedPct, VF_SinkQueueDepth, VF_CpuMs, VF_RssKiB,                \
	  VF_UnavailableEvents, VF_DegradedEvents, VF_AttachedPrograms, VF_AttachedProgramNames)   \
	X(DETECTION_ALERT, 242, VFAM_ALERTS, EVF_DAEMON, "DetectionAlert", NULL, NULL, VF_UtcTime, \
	  VF_RuleId, VF_RuleTitle, VF_RuleLevel, VF_Tags, VF_MatchedEventID,                       \
	  VF_MatchedSequenceNumber, VF_ProcessGuid, VF_Image)                                      \
	X(TAMPER_ALERT, 243, VFAM_ALERTS, EVF_DAEMON, "TamperAlert", "tamper_alert", NULL,         \
	  VF_UtcTime, VF_Type, VF_Detail, VF_ProcessGuid, VF_ProcessId, VF_Image, VF_User)         \
	X(ERROR, 255, VFAM_DEVICE_EVENTS, EVF_DAEMON, "Error", NULL, NULL, VF_UtcTime, VF_ID,      \
	  VF_Description)

/* Event ids of EVENTS.md. */
enum vigil_event_id {
#define EV_ENUM(sym, id, ...) EV_##sym = id,
	VIGIL_EVENTS(EV_ENUM)
#undef EV_ENUM
};
#define VIGIL_EVENT_ID_MAX 256

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
/* The event a Sigma rule of logsource category (product linux) is for, or
 * NULL when vigil produces no such events. */
const struct vevent_def *schema__event_by_sigma_category(const char *category);
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
