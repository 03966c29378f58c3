package io.virtflow.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;

class DomainRulesTest {

  private static DefineSpec spec(String name, long vcpus, long memory, List<DiskSpec> disks) {
    return new DefineSpec(name, null, vcpus, memory, disks);
  }

  private static DefineSpec valid() {
    return spec("web-1", 2, 1024, List.of(new DiskSpec("vda", 10)));
  }

  @Provide
  Arbitrary<String> validNames() {
    Arbitrary<Character> first = Arbitraries.chars().range('a', 'z').range('A', 'Z').range('0', '9');
    Arbitrary<String> rest = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z')
        .withCharRange('0', '9').withChars('.', '_', '-').ofMinLength(0).ofMaxLength(63);
    return Combinators.combine(first, rest).as((f, r) -> f + r).filter(s -> !DomainRef.isUuid(s));
  }

  @Property
  void everyNameOfTheAllowedAlphabetIsAccepted(@ForAll("validNames") String name) {
    assertThat(DomainRules.nameProblem(name)).isEmpty();
  }

  @Provide
  Arbitrary<Character> forbiddenChars() {
    return Arbitraries.of('/', '\0', ' ', '\u00e9', '*', ':', '\n', '\\', '@');
  }

  @Property
  void aNameWithAForbiddenCharacterIsRefused(@ForAll("validNames") String name,
      @ForAll("forbiddenChars") char bad, @ForAll @IntRange(min = 0, max = 64) int at) {
    String withBad = name.substring(0, Math.min(at, name.length())) + bad + name.substring(Math.min(at, name.length()));
    assertThat(DomainRules.nameProblem(withBad)).isPresent();
  }

  @Property
  void namesLongerThan64AreRefused(@ForAll @StringLength(min = 65, max = 300) @CharRange(from = 'a', to = 'z') String name) {
    assertThat(DomainRules.nameProblem(name)).hasValueSatisfying(p -> assertThat(p).contains("at most 64"));
  }

  @Property
  void aUuidIsNeverAName(@ForAll long hi, @ForAll long lo) {
    String uuid = new UUID(hi, lo).toString();
    assertThat(DomainRules.nameProblem(uuid)).isPresent();
    assertThat(DomainRules.nameProblem(uuid.toUpperCase())).isPresent();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/", "a/b", ".", "..", "a\u0000b", "-x", "_x", ".x", "a b", "caf\u00e9",
      "123e4567-e89b-12d3-a456-426614174000"})
  void refusedNames(String name) {
    assertThat(DomainRules.nameProblem(name)).isPresent();
    assertThatThrownBy(() -> DomainRules.checkDefine(spec(name, 1, 16, List.of())))
        .isInstanceOfSatisfying(Refusal.class, r -> {
          assertThat(r.field()).isEqualTo("name");
          assertThat(r.code()).isEqualTo(FailureCode.INVALID_ARG);
          assertThat(r.kind()).isEqualTo(Refusal.Kind.INVALID);
          assertThat(r.getMessage()).startsWith("name: ");
        });
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "A", "0", "web-1", "db.prod_2", "1-2-3-4-5", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
  void acceptedNames(String name) {
    assertThat(DomainRules.nameProblem(name)).isEmpty();
  }

  @Property
  void vcpusInRangeAreAccepted(@ForAll @LongRange(min = 1, max = 256) long vcpus) {
    assertThatCode(() -> DomainRules.checkDefine(spec("a", vcpus, 16, List.of()))).doesNotThrowAnyException();
  }

  @Property
  void vcpusOutOfRangeAreRefused(@ForAll long vcpus) {
    if (vcpus >= 1 && vcpus <= 256) {
      return;
    }
    assertRefused(spec("a", vcpus, 16, List.of()), "vcpus");
  }

  @Property
  void memoryOutOfRangeIsRefused(@ForAll long memory) {
    boolean ok = memory >= 16 && memory <= 4_194_304;
    if (ok) {
      assertThatCode(() -> DomainRules.checkDefine(spec("a", 1, memory, List.of()))).doesNotThrowAnyException();
    } else {
      assertRefused(spec("a", 1, memory, List.of()), "memoryMiB");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"vda", "vdz", "sda", "hdc"})
  void validTargets(String target) {
    assertThatCode(() -> DomainRules.checkDefine(spec("a", 1, 16, List.of(new DiskSpec(target, 1)))))
        .doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "vd", "vdaa", "xvda", "vd1", "VDA", "nvme0"})
  void invalidTargets(String target) {
    assertRefused(spec("a", 1, 16, List.of(new DiskSpec(target, 1))), "disks[0].target");
  }

  @org.junit.jupiter.api.Test
  void targetsMustBeUniqueAndTheSecondIsNamed() {
    assertRefused(spec("a", 1, 16, List.of(new DiskSpec("vda", 1), new DiskSpec("vda", 2))), "disks[1].target");
  }

  @org.junit.jupiter.api.Test
  void atMostSixteenDisks() {
    List<DiskSpec> disks = new ArrayList<>();
    for (char c = 'a'; c <= 'q'; c++) {
      disks.add(new DiskSpec("vd" + c, 1));
    }
    assertRefused(spec("a", 1, 16, disks), "disks");
    assertThatCode(() -> DomainRules.checkDefine(spec("a", 1, 16, disks.subList(0, 16)))).doesNotThrowAnyException();
  }

  @Property
  void diskSizes(@ForAll long size) {
    DefineSpec s = spec("a", 1, 16, List.of(new DiskSpec("vda", size)));
    if (size >= 1 && size <= 65_536) {
      assertThatCode(() -> DomainRules.checkDefine(s)).doesNotThrowAnyException();
    } else {
      assertRefused(s, "disks[0].sizeGiB");
    }
  }

  @org.junit.jupiter.api.Test
  void aValidDefinePasses() {
    assertThatCode(() -> DomainRules.checkDefine(valid())).doesNotThrowAnyException();
  }

  private static void assertRefused(DefineSpec s, String field) {
    assertThatThrownBy(() -> DomainRules.checkDefine(s)).isInstanceOfSatisfying(Refusal.class, r -> {
      assertThat(r.field()).isEqualTo(field);
      assertThat(r.code()).isEqualTo(FailureCode.INVALID_ARG);
    });
  }
}
