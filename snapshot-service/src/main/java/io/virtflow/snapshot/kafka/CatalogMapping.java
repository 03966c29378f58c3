package io.virtflow.snapshot.kafka;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.virtflow.schema.DiskStep;
import io.virtflow.schema.DiskStepKind;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.ImageRecord;
import io.virtflow.schema.SnapshotCatalog;
import io.virtflow.schema.SnapshotDiskRecord;
import io.virtflow.schema.SnapshotKindCode;
import io.virtflow.schema.SnapshotRecord;
import io.virtflow.snapshot.domain.DiskLayout;
import io.virtflow.snapshot.domain.Indications;
import io.virtflow.snapshot.domain.Power;
import io.virtflow.snapshot.domain.Snapshot;
import io.virtflow.snapshot.domain.SnapshotDisk;
import io.virtflow.snapshot.domain.SnapshotKind;
import io.virtflow.snapshot.domain.SnapshotTree;
import io.virtflow.snapshot.domain.Step;

/** Avro records of the contract to the snapshot rules' own types and back. */
public final class CatalogMapping {
  private CatalogMapping() {
  }

  public static SnapshotCatalog toAvro(SnapshotTree tree, DiskLayout layout) {
    List<SnapshotRecord> snapshots = new ArrayList<>();
    for (Snapshot s : tree.all()) {
      List<SnapshotDiskRecord> disks = new ArrayList<>();
      for (SnapshotDisk d : s.disks()) {
        disks.add(SnapshotDiskRecord.newBuilder().setTarget(d.target()).setFile(d.file()).setTag(d.tag())
            .setOverlay(d.overlay()).build());
      }
      snapshots.add(SnapshotRecord.newBuilder().setName(s.name()).setParent(s.parent())
          .setKind(SnapshotKindCode.valueOf(s.kind().name())).setDescription(s.description())
          .setCreationState(stateCode(s.creationState())).setOnline(s.indications().online())
          .setQuiesced(s.indications().quiesced()).setPaused(s.indications().paused())
          .setCreatedAt(s.createdAt()).setDisks(disks).build());
    }
    List<ImageRecord> images = new ArrayList<>();
    layout.files().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> images.add(
        ImageRecord.newBuilder().setPath(e.getKey()).setTarget(e.getValue().target()).setBacking(e.getValue().backing())
            .setTags(e.getValue().tags().stream().sorted().toList()).setRetained(e.getValue().retained()).build()));
    return SnapshotCatalog.newBuilder().setSnapshots(snapshots).setCurrent(tree.currentName())
        .setActive(new LinkedHashMap<>(layout.activeFiles())).setImages(images).build();
  }

  public static SnapshotTree tree(SnapshotCatalog c) {
    List<Snapshot> snapshots = new ArrayList<>();
    for (SnapshotRecord r : c.getSnapshots()) {
      List<SnapshotDisk> disks = new ArrayList<>();
      for (SnapshotDiskRecord d : r.getDisks()) {
        disks.add(new SnapshotDisk(d.getTarget(), d.getFile(), d.getTag(), d.getOverlay()));
      }
      snapshots.add(new Snapshot(r.getName(), r.getParent(), SnapshotKind.valueOf(r.getKind().name()),
          r.getDescription(), Power.of(r.getCreationState().name()),
          new Indications(r.getOnline(), r.getQuiesced(), r.getPaused()), r.getCreatedAt(), disks));
    }
    return SnapshotTree.of(snapshots, c.getCurrent());
  }

  public static DiskLayout layout(SnapshotCatalog c) {
    Map<String, DiskLayout.FileNode> files = new LinkedHashMap<>();
    for (ImageRecord i : c.getImages()) {
      files.put(i.getPath(), new DiskLayout.FileNode(i.getTarget(), i.getBacking(), new HashSet<>(i.getTags()),
          i.getRetained()));
    }
    return DiskLayout.of(new LinkedHashMap<>(c.getActive()), files);
  }

  public static DomainStateCode stateCode(Power p) {
    return switch (p) {
      case RUNNING -> DomainStateCode.RUNNING;
      case PAUSED -> DomainStateCode.PAUSED;
      case SHUTOFF -> DomainStateCode.SHUTOFF;
    };
  }

  public static DiskStep toAvro(Step step) {
    DiskStep.Builder b = DiskStep.newBuilder();
    if (step instanceof Step.CreateInternal s) {
      b.setKind(DiskStepKind.CREATE_INTERNAL).setTarget(s.target()).setFile(s.file()).setTag(s.tag());
    } else if (step instanceof Step.DeleteInternal s) {
      b.setKind(DiskStepKind.DELETE_INTERNAL).setTarget(s.target()).setFile(s.file()).setTag(s.tag());
    } else if (step instanceof Step.ApplyInternal s) {
      b.setKind(DiskStepKind.APPLY_INTERNAL).setTarget(s.target()).setFile(s.file()).setTag(s.tag());
    } else if (step instanceof Step.CreateOverlay s) {
      b.setKind(DiskStepKind.CREATE_OVERLAY).setTarget(s.target()).setFile(s.file()).setBacking(s.backing());
    } else if (step instanceof Step.CopyFile s) {
      b.setKind(DiskStepKind.COPY_FILE).setTarget(s.target()).setFile(s.file()).setSource(s.source());
    } else if (step instanceof Step.Rebase s) {
      b.setKind(DiskStepKind.REBASE).setTarget(s.target()).setFile(s.file()).setBacking(s.backing());
    } else if (step instanceof Step.DeleteFile s) {
      b.setKind(DiskStepKind.DELETE_FILE).setTarget(s.target()).setFile(s.file());
    } else if (step instanceof Step.SetActive s) {
      b.setKind(DiskStepKind.SET_ACTIVE).setTarget(s.target()).setFile(s.file());
    } else if (step instanceof Step.StopDomain) {
      b.setKind(DiskStepKind.STOP_DOMAIN);
    } else if (step instanceof Step.StartDomain s) {
      b.setKind(DiskStepKind.START_DOMAIN).setPaused(s.paused());
    } else if (step instanceof Step.Freeze) {
      b.setKind(DiskStepKind.FREEZE);
    } else if (step instanceof Step.Thaw) {
      b.setKind(DiskStepKind.THAW);
    } else {
      throw new IllegalArgumentException("unknown step " + step);
    }
    return b.build();
  }

  public static Step fromAvro(DiskStep s) {
    return switch (s.getKind()) {
      case CREATE_INTERNAL -> new Step.CreateInternal(s.getTarget(), s.getFile(), s.getTag());
      case DELETE_INTERNAL -> new Step.DeleteInternal(s.getTarget(), s.getFile(), s.getTag());
      case APPLY_INTERNAL -> new Step.ApplyInternal(s.getTarget(), s.getFile(), s.getTag());
      case CREATE_OVERLAY -> new Step.CreateOverlay(s.getTarget(), s.getFile(), s.getBacking());
      case COPY_FILE -> new Step.CopyFile(s.getTarget(), s.getSource(), s.getFile());
      case REBASE -> new Step.Rebase(s.getTarget(), s.getFile(), s.getBacking());
      case DELETE_FILE -> new Step.DeleteFile(s.getTarget(), s.getFile());
      case SET_ACTIVE -> new Step.SetActive(s.getTarget(), s.getFile());
      case STOP_DOMAIN -> new Step.StopDomain();
      case START_DOMAIN -> new Step.StartDomain(s.getPaused());
      case FREEZE -> new Step.Freeze();
      case THAW -> new Step.Thaw();
      case UNKNOWN -> throw new IllegalArgumentException("unknown disk step kind");
    };
  }

  public static List<DiskStep> toAvro(List<Step> steps) {
    return steps.stream().map(CatalogMapping::toAvro).toList();
  }

  public static List<Step> fromAvro(List<DiskStep> steps) {
    return steps.stream().map(CatalogMapping::fromAvro).toList();
  }
}
