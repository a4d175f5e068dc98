/*
 * samples.c — fixed sample records of every event type; see samples.h.
 *
 * Every field of an event gets a value typical of what the sensor writes
 * for it; a few fields get the value their event's sample calls for.
 */
#include "formats/samples.h"

#include <string.h>

static const unsigned ids[] = {1,   2,	 3,   4,   5,	6,   7,	  9,   10,  11,	 16,  22,
			       23,  25,	 29,  100, 200, 201, 202, 203, 204, 205, 206, 207,
			       208, 209, 210, 211, 212, 213, 240, 241, 242, 243, 255};

size_t format_samples__count(void)
{
	return sizeof(ids) / sizeof(ids[0]);
}

static const char *value_for(enum vf_id f)
{
	switch (f) {
	case VF_Kernel:
		return "6.1.0-57-amd64";
	case VF_UnavailableEvents:
		return "DriverLoad";
	case VF_AttachedPrograms:
		return "16";
	case VF_AttachedProgramNames:
		return "vg_exec,vg_fork,vg_exit,vg_openat_x";
	case VF_RuleName:
		return "-";
	case VF_UtcTime:
		return "2026-03-14 15:09:26.535";
	case VF_ProcessGuid:
	case VF_SourceProcessGUID:
		return "{8c4d1e2a-6a1b-0000-1b2c-000000004d2f}";
	case VF_ProcessId:
	case VF_SourceProcessId:
		return "19759";
	case VF_Image:
	case VF_SourceImage:
		return "/usr/bin/curl";
	case VF_FileVersion:
	case VF_Description:
	case VF_Product:
	case VF_Company:
	case VF_OriginalFileName:
	case VF_CallTrace:
	case VF_Signed:
	case VF_Signature:
	case VF_SignatureStatus:
		return "-";
	case VF_CommandLine:
	case VF_InitiatingProcessCommandLine:
		return "curl -s https://example.org/install.sh";
	case VF_CurrentDirectory:
		return "/home/alice";
	case VF_User:
	case VF_SourceUser:
		return "alice";
	case VF_LogonGuid:
		return "{8c4d1e2a-6a1a-0000-e803-000000000003}";
	case VF_LogonId:
		return "1000";
	case VF_TerminalSessionId:
		return "3";
	case VF_IntegrityLevel:
		return "no level";
	case VF_Hashes:
		return "SHA256=5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";
	case VF_InitiatingProcessHashes:
		return "SHA256=0b4b7f4ad0f3c1a7f5b0a0a9e7d4c2b1a8f6e5d4c3b2a1908f7e6d5c4b3a2918";
	case VF_ParentProcessGuid:
	case VF_InitiatingProcessParentGuid:
		return "{8c4d1e2a-6a1a-0000-8e2c-000000004c1e}";
	case VF_ParentProcessId:
		return "19486";
	case VF_ParentImage:
	case VF_InitiatingProcessParentImage:
		return "/usr/bin/bash";
	case VF_ParentCommandLine:
		return "-bash";
	case VF_ParentUser:
		return "alice";
	case VF_TargetFilename:
		return "/tmp/install.sh";
	case VF_CreationUtcTime:
		return "2020-01-01 00:00:00.000";
	case VF_PreviousCreationUtcTime:
		return "2026-03-14 15:09:20.101";
	case VF_Protocol:
		return "tcp";
	case VF_Initiated:
		return "true";
	case VF_SourceIsIpv6:
	case VF_DestinationIsIpv6:
		return "false";
	case VF_SourceIp:
		return "10.0.2.15";
	case VF_SourceHostname:
		return "-";
	case VF_SourcePort:
		return "51422";
	case VF_SourcePortName:
		return "-";
	case VF_DestinationIp:
		return "93.184.215.14";
	case VF_DestinationHostname:
		return "example.org";
	case VF_DestinationPort:
		return "443";
	case VF_DestinationPortName:
		return "https";
	case VF_State:
		return "Started";
	case VF_Version:
		return "0.1.0";
	case VF_SchemaVersion:
		return "4.90";
	case VF_ImageLoaded:
		return "/usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0";
	case VF_Device:
		return "/dev/sda";
	case VF_TargetProcessGUID:
		return "{8c4d1e2a-6a19-0000-0100-000000000398}";
	case VF_TargetProcessId:
		return "920";
	case VF_TargetImage:
		return "/usr/sbin/sshd";
	case VF_GrantedAccess:
		return "PTRACE_ATTACH";
	case VF_SourceThreadId:
		return "19759";
	case VF_TargetUser:
		return "root";
	case VF_Configuration:
		return "/etc/vigil/vigil.xml";
	case VF_ConfigurationFileHash:
		return "SHA256=9a4f0c3e1b2d5a6f7e8c9b0a1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e";
	case VF_QueryName:
		return "example.org";
	case VF_QueryStatus:
		return "0";
	case VF_QueryResults:
		return "type:  5 edge.example.net;::ffff:93.184.215.14;";
	case VF_IsExecutable:
		return "false";
	case VF_Archived:
		return "false";
	case VF_Type:
		return "Memory write";
	case VF_BpfCommand:
		return "BPF_PROG_LOAD";
	case VF_BpfProgramType:
		return "BPF_PROG_TYPE_KPROBE";
	case VF_BpfProgramId:
		return "87";
	case VF_BpfProgramName:
		return "trace_execve";
	case VF_ID:
		return "3";
	case VF_SourceFilename:
		return "/tmp/install.sh.part";
	case VF_Change:
		return "mode";
	case VF_OldValue:
		return "0644";
	case VF_NewValue:
		return "4755";
	case VF_Syscall:
		return "setresuid";
	case VF_OldUid:
		return "1000";
	case VF_NewUid:
		return "0";
	case VF_OldGid:
		return "1000";
	case VF_NewGid:
		return "0";
	case VF_OldCaps:
		return "0x0";
	case VF_NewCaps:
		return "0x1ffffffffff";
	case VF_LocalIp:
		return "0.0.0.0";
	case VF_LocalPort:
		return "4444";
	case VF_Namespaces:
		return "mnt,pid,net";
	case VF_Source:
		return "/dev/sdb1";
	case VF_Target:
		return "/mnt/usb";
	case VF_FsType:
		return "vfat";
	case VF_Flags:
		return "MS_NOSUID";
	case VF_RemoteAddress:
		return "192.0.2.10";
	case VF_Tty:
		return "pts/1";
	case VF_CappedEvent:
		return "NetworkConnect";
	case VF_CapName:
		return "per-process-connects";
	case VF_KeyFields:
		return "ProcessGuid,DestinationIp,DestinationPort";
	case VF_Key:
		return "{8c4d1e2a-6a1b-0000-1b2c-000000004d2f},93.184.215.14,443";
	case VF_Count:
		return "1520";
	case VF_WriteCount:
		return "50";
	case VF_FirstUtcTime:
		return "2026-03-14 15:09:00.000";
	case VF_LastUtcTime:
		return "2026-03-14 15:09:59.998";
	case VF_MinIntervalMs:
		return "0";
	case VF_MedianIntervalMs:
		return "38";
	case VF_MaxIntervalMs:
		return "412";
	case VF_RingBufferUsedPct:
		return "2";
	case VF_SinkQueueDepth:
		return "0";
	case VF_CpuMs:
		return "1840";
	case VF_RssKiB:
		return "24576";
	case VF_RuleId:
		return "6d8ab3ef-8ac4-4f2e-9a93-b5b1c8f8f5b8";
	case VF_RuleTitle:
		return "Suspicious Download And Execute";
	case VF_RuleLevel:
		return "high";
	case VF_Tags:
		return "attack.execution,attack.t1059.004";
	case VF_MatchedEventID:
		return "1";
	case VF_MatchedSequenceNumber:
		return "48210";
	case VF_Detail:
		return "write to /etc/vigil/vigil.xml by pid 20114";
	case VF_ExitCode:
		return "0";
	case VF_ContainerId:
		return "-";
	default:
		return "-";
	}
}

/* Values that differ from value_for() for one event. */
static const char * override(unsigned id, enum vf_id f)
{
	if (id == 243 && f == VF_Type)
		return "ConfigWritten";
	if (id == 25 && f == VF_Type)
		return "Memory write";
	if (id == 255 && f == VF_Description)
		return "output nats://127.0.0.1:4222: server unreachable, spooling";
	if (id == 205 && f == VF_Syscall)
		return "unshare";
	if (id == 206 && f == VF_Syscall)
		return "mount";
	if (id == 6 && f == VF_ImageLoaded)
		return "/lib/modules/6.1.0/kernel/drivers/usb/storage/usb-storage.ko";
	if (id == 6 && f == VF_Hashes)
		return "SHA256=3c6ef5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace";
	if (id == 209 && f == VF_DestinationPort)
		return "8443";
	if (id == 201 && f == VF_TargetFilename)
		return "/tmp/install.sh";
	if (id == 210 && f == VF_TargetFilename)
		return "/home/alice/.bash_history";
	if (id == 211 && f == VF_TargetFilename)
		return "/tmp/.hidden";
	if (id == 208 && f == VF_TargetFilename)
		return "/etc/shadow";
	if (id == 208 && f == VF_Flags)
		return "O_RDONLY";
	if (id == 213 && f == VF_Image)
		return "/usr/bin/bash";
	if (id == 213 && f == VF_CommandLine)
		return "-bash";
	if (id == 9 && f == VF_Image)
		return "/usr/sbin/dd";
	if (id == 10 && (f == VF_Image || f == VF_SourceImage))
		return "/usr/bin/gdb";
	return NULL;
}

void format_samples__build(size_t i, struct vrec *rec)
{
	unsigned id = ids[i];
	const struct vevent_def *def = schema__event(id);

	vrec__reset(rec, def);
	rec->seq = 48000 + i;
	rec->ts_ns = 1773500966535000000ull; /* 2026-03-14 15:09:26.535 */
	rec->computer = "web-01";
	for (unsigned k = 0; k < def->nfields; k++) {
		enum vf_id f = (enum vf_id)def->fields[k];
		const char *v = override(id, f);

		if (!v)
			v = value_for(f);
		if (strcmp(v, "-") != 0)
			vrec__set_str(rec, f, v);
	}
	switch (id) {
	case 1:
		vrec__set_str(rec, VF_Environment, "LD_PRELOAD=/tmp/x.so");
		break;
	case 209:
		vrec__set_str(rec, VF_Error, "ECONNREFUSED");
		break;
	case 210:
		vrec__set_str(rec, VF_LinkTarget, "/dev/null");
		vrec__set_str(rec, VF_LinkType, "symbolic");
		break;
	case 212:
		vrec__set_str(rec, VF_OldName, "curl");
		vrec__set_str(rec, VF_NewName, "kworker/0:1");
		break;
	case 241:
		vrec__add_dyn_uint(rec, "ProcessCreateSeen", 1204);
		vrec__add_dyn_uint(rec, "ProcessCreateEmitted", 1200);
		vrec__add_dyn_uint(rec, "ProcessCreateFiltered", 4);
		break;
	}
}
