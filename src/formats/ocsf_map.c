/*
 * ocsf_map.c — which OCSF 1.8.0 class each vigil event is (maps[], with the
 * reason for each choice, mirrored in docs/schemas.md) and which activity
 * and severity a record gets within it.
 */
#include "formats/format.h"
#include "formats/ocsf_int.h"

#include <string.h>

static const struct ocsf_map maps[] = {
    {1, "ProcessCreate", 1007, "Process Activity",
     "an exec: activity Launch, launch_type Exec; the parent is the actor"},
    {2, "FileCreateTime", 1001, "File System Activity",
     "a file's times set (timestomping): activity Set Attributes"},
    {3, "NetworkConnect", 4001, "Network Activity",
     "a connection established: activity Open, with both endpoints"},
    {4, "SensorStateChange", 6002, "Application Lifecycle",
     "the sensor itself starting or stopping: activity Start / Stop of the app vigil"},
    {5, "ProcessTerminate", 1007, "Process Activity", "a process exit: activity Terminate"},
    {6, "DriverLoad", 1002, "Kernel Extension Activity",
     "a kernel module loaded: activity Load of a driver"},
    {7, "ImageLoad", 1005, "Module Activity", "a shared object mapped executable: activity Load"},
    {9, "RawAccessRead", 1001, "File System Activity",
     "a block device opened for reading is a read of a device file: activity Read, "
     "file type Block Device"},
    {10, "ProcessAccess", 1007, "Process Activity",
     "ptrace / process_vm_* / /proc/PID/mem on another process: activity Open, the target is "
     "the process"},
    {11, "FileCreate", 1001, "File System Activity", "a file created: activity Create"},
    {16, "ConfigChange", 6002, "Application Lifecycle",
     "the sensor loaded a configuration: the app vigil changed its state; OCSF has no "
     "configuration activity there, so activity Other, named Configure"},
    {22, "DnsQuery", 4003, "DNS Activity",
     "vigil sees the answer: activity Response, with query, answers and rcode"},
    {23, "FileDelete", 1001, "File System Activity", "a file deleted: activity Delete"},
    {25, "ProcessTampering", 1007, "Process Activity",
     "Memory write is an injection (activity Inject); exec of memfd or of a deleted image has "
     "no OCSF activity, so Other with the Type as activity_name"},
    {29, "FileExecutableDetected", 1001, "File System Activity",
     "an executable written: activity Update of the file"},
    {100, "eBPFEvent", 1003, "Kernel Activity",
     "a bpf() call: a kernel resource (the program) created (BPF_PROG_LOAD) or used; Kernel "
     "Extension Activity needs a driver file, which eBPF programs do not have"},
    {200, "FileModify", 1001, "File System Activity", "a file's content changed: activity Update"},
    {201, "FileRename", 1001, "File System Activity",
     "activity Rename: file is the old name, file_result the new one"},
    {202, "FileAttributeChange", 1001, "File System Activity",
     "mode and owner are security attributes (activity Set Security); xattrs are attributes "
     "(Set Attributes)"},
    {203, "PrivilegeChange", 1007, "Process Activity",
     "set*id / capset changing a process's credentials: activity Set User ID"},
    {204, "NetworkListen", 4001, "Network Activity", "a listening port: activity Listen"},
    {205, "NamespaceChange", 1003, "Kernel Activity",
     "setns / unshare / clone into namespaces: a system call on kernel resources, activity "
     "Invoke with kernel type System Call"},
    {206, "Mount", 1001, "File System Activity",
     "the class has Mount and Unmount activities; the file is the mount point"},
    {207, "LogonSession", 3002, "Authentication",
     "a new login session (loginuid set): activity Logon, with the session and user"},
    {208, "SensitiveFileRead", 1001, "File System Activity",
     "a file opened to read: activity Read"},
    {209, "NetworkConnectFailed", 4001, "Network Activity",
     "a connect that did not establish: activity Refuse for ECONNREFUSED, Fail otherwise"},
    {210, "FileLink", 1001, "File System Activity",
     "a link created: activity Create, file type Symbolic Link for symlinks"},
    {211, "DirectoryCreate", 1001, "File System Activity",
     "a directory created: activity Create, file type Folder"},
    {212, "ProcessRename", 1007, "Process Activity",
     "a process changing its own name has no OCSF activity: Other, named Rename"},
    {213, "ProcessFork", 1007, "Process Activity", "a fork: activity Launch, launch_type Fork"},
    {240, "CapSummary", 0, "Base Event",
     "a count of events a cap held back, about the sensor's own output: no class fits, Base "
     "Event with count, start_time and end_time"},
    {241, "SensorHealth", 0, "Base Event",
     "the sensor's counters: no OCSF class reports an agent's metrics, so Base Event with the "
     "counters under unmapped"},
    {242, "DetectionAlert", 2004, "Detection Finding",
     "a Sigma rule matched: a detection, activity Create, the rule as the analytic"},
    {243, "TamperAlert", 2004, "Detection Finding",
     "an attempt against the sensor is a detection: activity Create, severity High"},
    {255, "Error", 6008, "Application Error", "the sensor's own error: activity General Error"},
};
#define N_MAPS (sizeof(maps) / sizeof(maps[0]))

const struct ocsf_map *ocsf__map(unsigned event_id)
{
	for (size_t i = 0; i < N_MAPS; i++)
		if (maps[i].event_id == event_id)
			return &maps[i];
	return NULL;
}

const struct ocsf_map *ocsf__maps(size_t *n)
{
	*n = N_MAPS;
	return maps;
}

static int level_severity(const char *v, size_t n)
{
	if (fw__eq(v, n, "informational"))
		return 1;
	if (fw__eq(v, n, "low"))
		return 2;
	if (fw__eq(v, n, "medium"))
		return 3;
	if (fw__eq(v, n, "high"))
		return 4;
	if (fw__eq(v, n, "critical"))
		return 5;
	return 0;
}

/* The activity of an event whose activity depends on its fields. */
struct cls ocsf__classify(const struct fw *w, unsigned id)
{
	size_t n;
	const char *v;

	switch (id) {
	case 1:
		return (struct cls){1, "Launch", 1};
	case 2:
		return (struct cls){6, "Set Attributes", 1};
	case 3:
		return (struct cls){1, "Open", 1};
	case 4:
		v = fw__peek(w, VF_State, &n);
		return fw__eq(v, n, "Stopped") ? (struct cls){4, "Stop", 1}
					       : (struct cls){3, "Start", 1};
	case 5:
		return (struct cls){2, "Terminate", 1};
	case 6:
	case 7:
		return (struct cls){1, "Load", 1};
	case 9:
	case 208:
		return (struct cls){2, "Read", 1};
	case 10:
		return (struct cls){3, "Open", 1};
	case 11:
	case 210:
	case 211:
		return (struct cls){1, "Create", 1};
	case 16:
		return (struct cls){99, "Configure", 1};
	case 22:
		return (struct cls){2, "Response", 1};
	case 23:
		return (struct cls){4, "Delete", 1};
	case 25:
		v = fw__peek(w, VF_Type, &n);
		return fw__eq(v, n, "Memory write") ? (struct cls){4, "Inject", 3}
						    : (struct cls){99, "Other", 3};
	case 29:
	case 200:
		return (struct cls){3, "Update", 1};
	case 100:
		v = fw__peek(w, VF_BpfCommand, &n);
		return fw__eq(v, n, "BPF_PROG_LOAD") ? (struct cls){1, "Create", 1}
						     : (struct cls){4, "Invoke", 1};
	case 201:
		return (struct cls){5, "Rename", 1};
	case 202:
		v = fw__peek(w, VF_Change, &n);
		return fw__eq(v, n, "xattr") ? (struct cls){6, "Set Attributes", 1}
					     : (struct cls){7, "Set Security", 1};
	case 203:
		return (struct cls){5, "Set User ID", 1};
	case 204:
		return (struct cls){7, "Listen", 1};
	case 205:
		return (struct cls){4, "Invoke", 1};
	case 206:
		v = fw__peek(w, VF_Syscall, &n);
		return v && n >= 6 && memcmp(v, "umount", 6) == 0 ? (struct cls){13, "Unmount", 1}
								  : (struct cls){12, "Mount", 1};
	case 207:
		return (struct cls){1, "Logon", 1};
	case 209: {
		size_t en;
		const char *e = fw__peek_named(w, "Error", &en);

		return fw__eq(e, en, "ECONNREFUSED") ? (struct cls){5, "Refuse", 1}
						     : (struct cls){4, "Fail", 1};
	}
	case 212:
		return (struct cls){99, "Rename", 1};
	case 213:
		return (struct cls){1, "Launch", 1};
	case 240:
	case 241:
		return (struct cls){99, "Other", 1};
	case 242:
		v = fw__peek(w, VF_RuleLevel, &n);
		return (struct cls){1, "Create", level_severity(v, n)};
	case 243:
		return (struct cls){1, "Create", 4};
	case 255:
		return (struct cls){1, "General Error", 2};
	}
	return (struct cls){99, "Other", 1};
}
