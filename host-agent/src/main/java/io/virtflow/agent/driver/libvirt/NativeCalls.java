package io.virtflow.agent.driver.libvirt;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

import org.libvirt.Domain;
import org.libvirt.LibvirtException;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.PointerType;
import com.sun.jna.ptr.IntByReference;

/**
 * The libvirt calls the Java binding (0.5.4) does not map, called through JNA on the binding's own
 * handles: the one place that knows the binding's internals. {@code virDomainGetState} gives the state
 * with its reason (the binding's {@code getInfo} has the state only); {@code virDomainBlockRebase} starts a
 * block pull (the binding has no {@code blockRebase} or {@code blockPull}). A failed call raises libvirt's
 * last error as the binding's own calls do ({@code ErrorHandler.processError}, package-private there).
 */
final class NativeCalls {
  /** The part of libvirt's C API used here. */
  private interface Api extends Library {
    int virDomainGetState(Pointer domain, IntByReference state, IntByReference reason, int flags);

    int virDomainBlockRebase(Pointer domain, String disk, String base, NativeLong bandwidth, int flags);
  }

  private static final Api API = Native.load("virt", Api.class);
  private static final Field DOMAIN_POINTER = pointerField();
  private static final Method PROCESS_ERROR = processErrorMethod();

  private NativeCalls() {
  }

  /** A domain's state and reason, as libvirt's integer codes. */
  record StateAndReason(int state, int reason) {
  }

  static StateAndReason state(Domain domain) throws LibvirtException {
    IntByReference state = new IntByReference();
    IntByReference reason = new IntByReference();
    check(API.virDomainGetState(pointerOf(domain), state, reason, 0), "virDomainGetState");
    return new StateAndReason(state.getValue(), reason.getValue());
  }

  /**
   * {@code virDomainBlockRebase(dom, disk, base, bandwidth, 0)}: a block pull into the disk's active file of
   * everything above {@code base} (null: the whole chain); the disk then reads through {@code base} directly.
   *
   * @param bandwidthMiB the job's speed limit in MiB/s, 0 for none
   */
  static void blockPull(Domain domain, String disk, String base, long bandwidthMiB) throws LibvirtException {
    check(API.virDomainBlockRebase(pointerOf(domain), disk, base, new NativeLong(bandwidthMiB), 0),
        "virDomainBlockRebase");
  }

  private static void check(int result, String call) throws LibvirtException {
    if (result >= 0) {
      return;
    }
    try {
      PROCESS_ERROR.invoke(null, result);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof LibvirtException le) {
        throw le;
      }
      throw new IllegalStateException(call + " failed", e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(call + " failed, and libvirt's error could not be read", e);
    }
    throw new IllegalStateException(call + " failed without an error from libvirt");
  }

  private static Method processErrorMethod() {
    try {
      Method m = Class.forName("org.libvirt.ErrorHandler").getDeclaredMethod("processError", int.class);
      m.setAccessible(true);
      return m;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("libvirt binding: no ErrorHandler.processError(int) (binding version other "
          + "than 0.5.4?)", e);
    }
  }

  private static Pointer pointerOf(Domain domain) {
    try {
      return ((PointerType) DOMAIN_POINTER.get(domain)).getPointer();
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("libvirt binding: cannot read the domain handle", e);
    }
  }

  private static Field pointerField() {
    try {
      Field f = Domain.class.getDeclaredField("vdp");
      f.setAccessible(true);
      return f;
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException("libvirt binding: org.libvirt.Domain has no handle field 'vdp' (binding "
          + "version other than 0.5.4?)", e);
    }
  }
}
