package io.virtflow.agent.driver.libvirt;

import java.lang.reflect.Field;

import org.libvirt.Domain;
import org.libvirt.LibvirtException;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.PointerType;
import com.sun.jna.ptr.IntByReference;

/**
 * The libvirt calls the Java binding (0.5.4) does not map, called through JNA on the binding's own
 * handles: the one place that knows the binding's internals. {@code virDomainGetState} gives the state
 * with its reason (the binding's {@code getInfo} has the state only).
 */
final class NativeCalls {
  /** The part of libvirt's C API used here. */
  private interface Api extends Library {
    int virDomainGetState(Pointer domain, IntByReference state, IntByReference reason, int flags);
  }

  private static final Api API = Native.load("virt", Api.class);
  private static final Field DOMAIN_POINTER = pointerField();

  private NativeCalls() {
  }

  /** A domain's state and reason, as libvirt's integer codes. */
  record StateAndReason(int state, int reason) {
  }

  static StateAndReason state(Domain domain) throws LibvirtException {
    IntByReference state = new IntByReference();
    IntByReference reason = new IntByReference();
    if (API.virDomainGetState(pointerOf(domain), state, reason, 0) < 0) {
      // The binding's own call raises libvirt's last error as a LibvirtException.
      domain.getInfo();
      throw new IllegalStateException("virDomainGetState failed");
    }
    return new StateAndReason(state.getValue(), reason.getValue());
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
