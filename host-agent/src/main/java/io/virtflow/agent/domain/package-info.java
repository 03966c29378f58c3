/**
 * The host agent's rules, in plain Java: no I/O, no Kafka, no Vert.x, no Avro (an ArchUnit test keeps it so).
 *
 * <h2>The lifecycle table ({@link io.virtflow.agent.domain.Lifecycle})</h2>
 * libvirt's domain states ({@code NOSTATE RUNNING BLOCKED PAUSED SHUTDOWN SHUTOFF CRASHED PMSUSPENDED}),
 * each with a reason. One row per operation; every pair not listed is refused with
 * {@code OPERATION_INVALID} ("cannot start domain 'web1': it is running") and changes nothing.
 *
 * <pre>
 * operation          legal in                                      ends in           events, in order
 * define             (absent)                                      SHUTOFF/UNKNOWN   DEFINED/ADDED
 * start              SHUTOFF CRASHED                               RUNNING/BOOTED    STARTED/BOOTED
 * start(paused)      SHUTOFF CRASHED                               PAUSED/USER       STARTED/BOOTED, SUSPENDED/PAUSED
 * shutdown           RUNNING PAUSED BLOCKED PMSUSPENDED            SHUTOFF/SHUTDOWN  STOPPED/SHUTDOWN
 * reboot             RUNNING BLOCKED                               RUNNING/BOOTED    REBOOTED/NONE
 * reboot             PAUSED                                        RUNNING/BOOTED    RESUMED/UNPAUSED, REBOOTED/NONE
 * destroy            RUNNING PAUSED BLOCKED SHUTDOWN PMSUSPENDED CRASHED  SHUTOFF/DESTROYED  STOPPED/DESTROYED
 * suspend            RUNNING BLOCKED                               PAUSED/USER       SUSPENDED/PAUSED
 * resume             PAUSED                                        RUNNING/UNPAUSED  RESUMED/UNPAUSED
 * undefine           SHUTOFF CRASHED                               (gone)            UNDEFINED/REMOVED
 * undefine(force)    SHUTOFF CRASHED                               (gone)            UNDEFINED/REMOVED
 * undefine(force)    RUNNING PAUSED BLOCKED SHUTDOWN PMSUSPENDED   (gone)            STOPPED/DESTROYED, UNDEFINED/REMOVED
 * </pre>
 *
 * Each event carries the state it left the domain in, so a consumer that applies events one by one
 * passes through the same states the domain did. Any operation but define on an absent domain is
 * {@code NO_DOMAIN}; define of an existing one is {@code OPERATION_INVALID}. The outcomes follow libvirt's
 * test driver (docs/FACTS.md): shutdown of a paused domain shuts it off, reboot of a paused domain runs it.
 *
 * <h2>The work queue ({@link io.virtflow.agent.domain.DomainWorkQueue})</h2>
 * FIFO per domain, one running entry per domain, a bound on domains running at once; a queued entry can
 * be cancelled, a running one cannot.
 *
 * <h2>Jobs ({@link io.virtflow.agent.domain.Jobs})</h2>
 * libvirt's per-domain job lock: while a live {@link io.virtflow.agent.domain.Job} holds a domain, a command
 * that would change it and does not carry the job's id is {@code BUSY} ("domain 'web1' is busy with job j1
 * (snapshot 's1') until 2026-03-01T10:10:00Z"); BeginJob of the holder again and EndJob of a job that holds
 * nothing are already done; a job at or past its {@code expiresAt} holds nothing.
 *
 * <h2>Commands and their admission ({@link io.virtflow.agent.domain.AgentCommand},
 * {@link io.virtflow.agent.domain.Admission})</h2>
 * A command in the agent's own terms: one record per kind (Define, Lifecycle, Step, BeginJob, EndJob,
 * InspectDisks, ReadConsole, Cancel, Unsupported), each with its envelope (ids, deadline, job, who asked).
 * When its turn comes, the first rule that applies decides: a recorded outcome is published again, an
 * unfinished intent is resumed, a pending Cancel ends it CANCELLED, a passed deadline TIMED_OUT, another
 * job's hold REJECTED BUSY (never for a command that only reads); otherwise it runs.
 *
 * <h2>Snapshot workflow steps ({@link io.virtflow.agent.domain.DiskStep},
 * {@link io.virtflow.agent.domain.DomainSteps})</h2>
 * What a step needs ({@code DiskStep.problems()}), and the table of the steps that act on the domain itself
 * (stop and start {@code FROM_SNAPSHOT}, freeze and thaw). The steps on files are the driver's; their
 * semantics are tabled in {@code host-agent/README.md}.
 */
package io.virtflow.agent.domain;
