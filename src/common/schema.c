/*
 * schema.c — the event catalogue as static tables; see schema.h.
 *
 * Each event lists its EventData fields in Sysmon for Linux's order. Events
 * caused by a process (EVF_PROC) end with the MDE-style enrichment extras of
 * EVENTS.md, so every sink and every filter sees one uniform shape.
 */
#include "common/schema.h"

#include <string.h>

static const char *const field_names[VF__COUNT] = {[VF_NONE] = "",
#define VF_NAME(n, k) [VF_##n] = #n,
						   VIGIL_FIELDS(VF_NAME)
#undef VF_NAME
};

static const uint8_t field_kinds[VF__COUNT] = {
#define VF_KIND(n, k) [VF_##n] = VFK_##k,
    VIGIL_FIELDS(VF_KIND)
#undef VF_KIND
};

#define EXTRAS                                                                                     \
	VF_InitiatingProcessCommandLine, VF_InitiatingProcessParentGuid,                           \
	    VF_InitiatingProcessParentImage, VF_InitiatingProcessHashes, VF_ContainerId

#define DEF(var, id_, fam, fl, nm, ...)                                                            \
	static const struct vevent_def var = {                                                     \
	    .id = id_,                                                                             \
	    .family = fam,                                                                         \
	    .flags = fl,                                                                           \
	    .name = nm,                                                                            \
	    .nfields = sizeof((const uint8_t[]){__VA_ARGS__}),                                     \
	    .fields = (const uint8_t[]){__VA_ARGS__},                                              \
	}

#define PF (EVF_PROC | EVF_FILTER)

DEF(ev_process_create, 1, VFAM_PROCESS, PF, "ProcessCreate", VF_RuleName, VF_UtcTime,
    VF_ProcessGuid, VF_ProcessId, VF_Image, VF_FileVersion, VF_Description, VF_Product, VF_Company,
    VF_OriginalFileName, VF_CommandLine, VF_CurrentDirectory, VF_User, VF_LogonGuid, VF_LogonId,
    VF_TerminalSessionId, VF_IntegrityLevel, VF_Hashes, VF_ParentProcessGuid, VF_ParentProcessId,
    VF_ParentImage, VF_ParentCommandLine, VF_ParentUser, VF_ContainerId, VF_Tty);
DEF(ev_file_create_time, 2, VFAM_FILE, PF, "FileCreateTime", VF_RuleName, VF_UtcTime,
    VF_ProcessGuid, VF_ProcessId, VF_Image, VF_TargetFilename, VF_CreationUtcTime,
    VF_PreviousCreationUtcTime, VF_User, EXTRAS);
DEF(ev_network_connect, 3, VFAM_NETWORK, PF, "NetworkConnect", VF_RuleName, VF_UtcTime,
    VF_ProcessGuid, VF_ProcessId, VF_Image, VF_User, VF_Protocol, VF_Initiated, VF_SourceIsIpv6,
    VF_SourceIp, VF_SourceHostname, VF_SourcePort, VF_SourcePortName, VF_DestinationIsIpv6,
    VF_DestinationIp, VF_DestinationHostname, VF_DestinationPort, VF_DestinationPortName, EXTRAS);
DEF(ev_sensor_state, 4, VFAM_DEVICE_EVENTS, EVF_DAEMON, "SensorStateChange", VF_UtcTime, VF_State,
    VF_Version, VF_SchemaVersion, VF_Kernel, VF_UnavailableEvents, VF_DegradedEvents);
DEF(ev_process_terminate, 5, VFAM_PROCESS, PF, "ProcessTerminate", VF_RuleName, VF_UtcTime,
    VF_ProcessGuid, VF_ProcessId, VF_Image, VF_User, VF_ExitCode, EXTRAS);
DEF(ev_driver_load, 6, VFAM_DEVICE_EVENTS, PF, "DriverLoad", VF_RuleName, VF_UtcTime,
    VF_ImageLoaded, VF_Hashes, VF_Signed, VF_Signature, VF_SignatureStatus, VF_ProcessGuid,
    VF_ProcessId, VF_Image, VF_User, EXTRAS);
DEF(ev_image_load, 7, VFAM_IMAGE_LOAD, PF, "ImageLoad", VF_RuleName, VF_UtcTime, VF_ProcessGuid,
    VF_ProcessId, VF_Image, VF_ImageLoaded, VF_FileVersion, VF_Description, VF_Product, VF_Company,
    VF_OriginalFileName, VF_Hashes, VF_Signed, VF_Signature, VF_SignatureStatus, VF_User, EXTRAS);
DEF(ev_raw_access_read, 9, VFAM_DEVICE_EVENTS, PF, "RawAccessRead", VF_RuleName, VF_UtcTime,
    VF_ProcessGuid, VF_ProcessId, VF_Image, VF_Device, VF_User, EXTRAS);
DEF(ev_process_access, 10, VFAM_DEVICE_EVENTS, PF, "ProcessAccess", VF_RuleName, VF_UtcTime,
    VF_SourceProcessGUID, VF_SourceProcessId, VF_SourceThreadId, VF_SourceImage,
    VF_TargetProcessGUID, VF_TargetProcessId, VF_TargetImage, VF_GrantedAccess, VF_CallTrace,
    VF_SourceUser, VF_TargetUser, VF_ProcessGuid, VF_ProcessId, VF_Image, VF_User, EXTRAS);
DEF(ev_file_create, 11, VFAM_FILE, PF, "FileCreate", VF_RuleName, VF_UtcTime, VF_ProcessGuid,
    VF_ProcessId, VF_Image, VF_TargetFilename, VF_CreationUtcTime, VF_User, EXTRAS);
DEF(ev_config_change, 16, VFAM_DEVICE_EVENTS, EVF_DAEMON, "ConfigChange", VF_UtcTime,
    VF_Configuration, VF_ConfigurationFileHash);
DEF(ev_dns_query, 22, VFAM_NETWORK, PF, "DnsQuery", VF_RuleName, VF_UtcTime, VF_ProcessGuid,
    VF_ProcessId, VF_QueryName, VF_QueryStatus, VF_QueryResults, VF_Image, VF_User, EXTRAS);
DEF(ev_file_delete, 23, VFAM_FILE, PF, "FileDelete", VF_RuleName, VF_UtcTime, VF_ProcessGuid,
    VF_ProcessId, VF_User, VF_Image, VF_TargetFilename, VF_Hashes, VF_IsExecutable, VF_Archived,
    EXTRAS);
DEF(ev_process_tampering, 25, VFAM_PROCESS, PF, "ProcessTampering", VF_RuleName, VF_UtcTime,
    VF_ProcessGuid, VF_ProcessId, VF_Image, VF_Type, VF_User, EXTRAS);
DEF(ev_file_exec_detected, 29, VFAM_FILE, PF, "FileExecutableDetected", VF_RuleName, VF_UtcTime,
    VF_ProcessGuid, VF_ProcessId, VF_User, VF_Image, VF_TargetFilename, VF_Hashes, EXTRAS);
DEF(ev_bpf_event, 100, VFAM_DEVICE_EVENTS, PF, "eBPFEvent", VF_RuleName, VF_UtcTime, VF_ProcessGuid,
    VF_ProcessId, VF_Image, VF_User, VF_BpfCommand, VF_BpfProgramType, VF_BpfProgramId,
    VF_BpfProgramName, EXTRAS);
DEF(ev_file_modify, 200, VFAM_FILE, PF, "FileModify", VF_RuleName, VF_UtcTime, VF_ProcessGuid,
    VF_ProcessId, VF_Image, VF_TargetFilename, VF_User, EXTRAS);
DEF(ev_file_rename, 201, VFAM_FILE, PF, "FileRename", VF_RuleName, VF_UtcTime, VF_ProcessGuid,
    VF_ProcessId, VF_Image, VF_SourceFilename, VF_TargetFilename, VF_User, EXTRAS);
DEF(ev_file_attr, 202, VFAM_FILE, PF, "FileAttributeChange", VF_RuleName, VF_UtcTime,
    VF_ProcessGuid, VF_ProcessId, VF_Image, VF_TargetFilename, VF_Change, VF_OldValue, VF_NewValue,
    VF_User, EXTRAS);
DEF(ev_priv_change, 203, VFAM_DEVICE_EVENTS, PF, "PrivilegeChange", VF_RuleName, VF_UtcTime,
    VF_ProcessGuid, VF_ProcessId, VF_Image, VF_User, VF_Syscall, VF_OldUid, VF_NewUid, VF_OldGid,
    VF_NewGid, VF_OldCaps, VF_NewCaps, EXTRAS);
DEF(ev_net_listen, 204, VFAM_NETWORK, PF, "NetworkListen", VF_RuleName, VF_UtcTime, VF_ProcessGuid,
    VF_ProcessId, VF_Image, VF_User, VF_Protocol, VF_LocalIp, VF_LocalPort, EXTRAS);
DEF(ev_ns_change, 205, VFAM_DEVICE_EVENTS, PF, "NamespaceChange", VF_RuleName, VF_UtcTime,
    VF_ProcessGuid, VF_ProcessId, VF_Image, VF_User, VF_Syscall, VF_Namespaces, EXTRAS);
DEF(ev_mount, 206, VFAM_DEVICE_EVENTS, PF, "Mount", VF_RuleName, VF_UtcTime, VF_ProcessGuid,
    VF_ProcessId, VF_Image, VF_User, VF_Syscall, VF_Source, VF_Target, VF_FsType, VF_Flags, EXTRAS);
DEF(ev_logon, 207, VFAM_DEVICE_EVENTS, PF, "LogonSession", VF_RuleName, VF_UtcTime, VF_ProcessGuid,
    VF_ProcessId, VF_Image, VF_User, VF_LogonGuid, VF_LogonId, VF_TerminalSessionId, VF_Tty,
    VF_RemoteAddress, EXTRAS);
DEF(ev_cap_summary, 240, VFAM_DEVICE_EVENTS, EVF_DAEMON, "CapSummary", VF_RuleName, VF_UtcTime,
    VF_CappedEvent, VF_CapName, VF_KeyFields, VF_Key, VF_Count, VF_FirstUtcTime, VF_LastUtcTime,
    VF_MinIntervalMs, VF_MedianIntervalMs, VF_MaxIntervalMs);
/* SensorHealth's per-type counters are dynamic fields (record.h), after these. */
DEF(ev_sensor_health, 241, VFAM_DEVICE_EVENTS, EVF_DAEMON, "SensorHealth", VF_UtcTime,
    VF_RingBufferUsedPct, VF_SinkQueueDepth, VF_CpuMs, VF_RssKiB, VF_UnavailableEvents,
    VF_DegradedEvents, VF_AttachedPrograms, VF_AttachedProgramNames);
DEF(ev_detection_alert, 242, VFAM_ALERTS, EVF_DAEMON, "DetectionAlert", VF_UtcTime, VF_RuleId,
    VF_RuleTitle, VF_RuleLevel, VF_Tags, VF_MatchedEventID, VF_MatchedSequenceNumber,
    VF_ProcessGuid, VF_Image);
DEF(ev_tamper_alert, 243, VFAM_ALERTS, EVF_DAEMON, "TamperAlert", VF_UtcTime, VF_Type, VF_Detail,
    VF_ProcessGuid, VF_ProcessId, VF_Image, VF_User);
DEF(ev_error, 255, VFAM_DEVICE_EVENTS, EVF_DAEMON, "Error", VF_UtcTime, VF_ID, VF_Description);

static const struct vevent_def *const all_events[] = {
    &ev_process_create,
    &ev_file_create_time,
    &ev_network_connect,
    &ev_sensor_state,
    &ev_process_terminate,
    &ev_driver_load,
    &ev_image_load,
    &ev_raw_access_read,
    &ev_process_access,
    &ev_file_create,
    &ev_config_change,
    &ev_dns_query,
    &ev_file_delete,
    &ev_process_tampering,
    &ev_file_exec_detected,
    &ev_bpf_event,
    &ev_file_modify,
    &ev_file_rename,
    &ev_file_attr,
    &ev_priv_change,
    &ev_net_listen,
    &ev_ns_change,
    &ev_mount,
    &ev_logon,
    &ev_cap_summary,
    &ev_sensor_health,
    &ev_detection_alert,
    &ev_tamper_alert,
    &ev_error,
};
#define N_EVENTS (sizeof(all_events) / sizeof(all_events[0]))

const struct vevent_def *schema__event(unsigned id)
{
	static const struct vevent_def *const by_id[VIGIL_EVENT_ID_MAX] = {
	    [1] = &ev_process_create,
	    [2] = &ev_file_create_time,
	    [3] = &ev_network_connect,
	    [4] = &ev_sensor_state,
	    [5] = &ev_process_terminate,
	    [6] = &ev_driver_load,
	    [7] = &ev_image_load,
	    [9] = &ev_raw_access_read,
	    [10] = &ev_process_access,
	    [11] = &ev_file_create,
	    [16] = &ev_config_change,
	    [22] = &ev_dns_query,
	    [23] = &ev_file_delete,
	    [25] = &ev_process_tampering,
	    [29] = &ev_file_exec_detected,
	    [100] = &ev_bpf_event,
	    [200] = &ev_file_modify,
	    [201] = &ev_file_rename,
	    [202] = &ev_file_attr,
	    [203] = &ev_priv_change,
	    [204] = &ev_net_listen,
	    [205] = &ev_ns_change,
	    [206] = &ev_mount,
	    [207] = &ev_logon,
	    [240] = &ev_cap_summary,
	    [241] = &ev_sensor_health,
	    [242] = &ev_detection_alert,
	    [243] = &ev_tamper_alert,
	    [255] = &ev_error,
	};
	return id < VIGIL_EVENT_ID_MAX ? by_id[id] : NULL;
}

const struct vevent_def *schema__event_by_name(const char *name)
{
	for (size_t i = 0; i < N_EVENTS; i++)
		if (strcmp(all_events[i]->name, name) == 0)
			return all_events[i];
	return NULL;
}

const struct vevent_def *const *schema__events(size_t *n)
{
	*n = N_EVENTS;
	return all_events;
}

enum vf_id schema__field_by_name(const char *name)
{
	for (int f = 1; f < VF__COUNT; f++)
		if (strcmp(field_names[f], name) == 0)
			return (enum vf_id)f;
	return VF_NONE;
}

const char *schema__field_name(enum vf_id f)
{
	return (unsigned)f < VF__COUNT ? field_names[f] : "";
}

enum vf_kind schema__field_kind(enum vf_id f)
{
	return (unsigned)f < VF__COUNT ? (enum vf_kind)field_kinds[f] : VFK_STR;
}

bool schema__event_has_field(const struct vevent_def *ev, enum vf_id f)
{
	for (unsigned i = 0; i < ev->nfields; i++)
		if (ev->fields[i] == f)
			return true;
	return false;
}

const char *schema__family_table(enum vigil_family fam)
{
	static const char *const names[VFAM__COUNT] = {
	    [VFAM_DEVICE_EVENTS] = "DeviceEvents",	 [VFAM_PROCESS] = "DeviceProcessEvents",
	    [VFAM_NETWORK] = "DeviceNetworkEvents",	 [VFAM_FILE] = "DeviceFileEvents",
	    [VFAM_IMAGE_LOAD] = "DeviceImageLoadEvents", [VFAM_ALERTS] = "DeviceAlerts",
	};
	return (unsigned)fam < VFAM__COUNT ? names[fam] : "DeviceEvents";
}
