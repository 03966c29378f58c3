package io.virtflow.agent.driver.libvirt;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.libvirt.DomainBlockJobInfo;
import org.libvirt.LibvirtException;
import org.libvirt.event.BlockJobListener;
import org.libvirt.event.BlockJobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.driver.HypervisorException;

/**
 * Live merges as libvirt block jobs: a job is started (or, after a restart, found still running on the disk)
 * and followed by libvirt's block-job events until it completes, fails or is cancelled, within a deadline.
 * Past the deadline the job is aborted: a block pull that did not finish leaves the chain as it was (the data
 * it copied is the same data the chain already reads), so an abort is always safe.
 *
 * <p>The listener runs on libvirt's event-loop thread and only completes a future. Besides the events, the job
 * is looked at once a second: an event lost with a connection must not leave the wait hanging to its deadline.
 */
final class BlockJobs {
  private static final Logger LOG = LoggerFactory.getLogger(BlockJobs.class);
  /** libvirt's virDomainBlockJobType. */
  static final int NONE = 0;
  static final int PULL = 1;
  private static final long LOOK_MS = 1_000;

  /** A job's end as libvirt reported it, or as a look at the disk found it. */
  enum End { COMPLETED, FAILED, CANCELLED, GONE }

  /** Starts the job; called only when none runs on the disk. */
  @FunctionalInterface
  interface Starter {
    void start() throws LibvirtException;
  }

  private final Duration timeout;
  private final Clock clock;

  BlockJobs(Duration timeout, Clock clock) {
    this.timeout = timeout;
    this.clock = clock;
  }

  Duration timeout() {
    return timeout;
  }

  /**
   * Runs one job of {@code type} on {@code target} to its end. A job of that type already running on the
   * disk (started by an earlier attempt of the same step, before a restart) is followed instead of starting
   * a second one; a job of another type is refused.
   *
   * @param what the job in words, for messages ("block pull of vda of domain 'vm1'")
   * @return how it ended: COMPLETED, or GONE when the job vanished without an event (the caller checks the chain)
   */
  End run(org.libvirt.Domain dom, String target, String path, int type, String what, Starter starter)
      throws LibvirtException {
    CompletableFuture<BlockJobStatus> ended = new CompletableFuture<>();
    BlockJobListener listener = (d, disk, jobType, status) -> {
      // libvirt names the disk by its target (BLOCK_JOB_2) or by its active file (BLOCK_JOB).
      if ((target.equals(disk) || path.equals(disk)) && status != BlockJobStatus.READY) {
        ended.complete(status);
      }
    };
    dom.addBlockJobListener(listener);
    try {
      DomainBlockJobInfo running = dom.getBlockJobInfo(target, 0);
      if (running.type == NONE) {
        starter.start();
        LOG.info("{}: started", what);
      } else if (running.type == type) {
        LOG.info("{}: already running ({} of {} bytes), following it", what, running.cur, running.end);
      } else {
        throw HypervisorException.failed(Fault.OPERATION_INVALID, "cannot start the " + what + ": another block job "
            + "(libvirt type " + running.type + ") runs on disk " + target + "; wait for it or abort it "
            + "(virsh blockjob --abort)");
      }
      return follow(dom, target, what, ended);
    } finally {
      try {
        dom.getConnect().removeBlockJobListener(listener);
      } catch (LibvirtException | RuntimeException e) {
        LOG.debug("{}: removing the block-job listener: {}", what, e.toString());
      }
    }
  }

  private End follow(org.libvirt.Domain dom, String target, String what, CompletableFuture<BlockJobStatus> ended)
      throws LibvirtException {
    Instant deadline = clock.instant().plus(timeout);
    while (true) {
      try {
        BlockJobStatus status = ended.get(LOOK_MS, TimeUnit.MILLISECONDS);
        return switch (status) {
          case COMPLETED -> End.COMPLETED;
          case CANCELED -> throw HypervisorException.failed(Fault.DRIVER_ERROR, what + " was cancelled (libvirt's "
              + "block-job event CANCELED; someone aborted it outside virtflow); the chain is as it was");
          default -> throw HypervisorException.failed(Fault.DRIVER_ERROR, what + " failed (libvirt's block-job event "
              + status + "); the chain is as it was, see libvirtd's log for QEMU's reason");
        };
      } catch (TimeoutException e) {
        if (dom.getBlockJobInfo(target, 0).type == NONE && !ended.isDone()) {
          return End.GONE;
        }
        if (clock.instant().isAfter(deadline)) {
          abort(dom, target, what);
          throw HypervisorException.failed(Fault.TIMEOUT, what + " did not finish in " + timeout.toMillis()
              + " ms and was aborted; the chain is as it was (raise VIRTFLOW_BLOCK_JOB_TIMEOUT_MS, or the bandwidth)");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw HypervisorException.failed(Fault.DRIVER_ERROR, what + ": interrupted while waiting; the job runs on");
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }
  }

  private static void abort(org.libvirt.Domain dom, String target, String what) {
    try {
      dom.blockJobAbort(target, 0);
    } catch (LibvirtException e) {
      LOG.warn("{}: abort after its deadline failed: {}", what, e.getMessage());
    }
  }
}
