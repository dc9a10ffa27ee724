//! `--dataset PATH` end to end through the built binary: a generated coloured-shapes folder, a
//! flat folder without labels, a `.npy` array with labels, a CSV; PCA, k-means, a one-epoch
//! autoencoder and a clustering on them; bad inputs named.

use std::path::Path;

use ndarray::{Array1, Array3};

mod common;
use common::{json, run, shapes, stderr, succeeds, train_small};

#[test]
fn a_class_folder_goes_through_data_pca_train_and_kmeans() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = shapes(tmp.path());
    let d = json(&["data", "--dataset"], &[&dir]);
    assert_eq!(
        d["classes"],
        serde_json::json!(["circle", "cross", "square", "triangle"])
    );
    assert_eq!(
        d["shape"],
        serde_json::json!({"height": 16, "width": 16, "channels": 3})
    );
    assert_eq!(
        (d["train"].as_u64(), d["test"].as_u64()),
        (Some(80), Some(20))
    );
    let sha = d["sha256"].as_str().unwrap().to_owned();
    // Same folder, same fingerprint; grey and resized, another one.
    assert_eq!(
        json(&["data", "--dataset"], &[&dir])["sha256"],
        sha.as_str()
    );
    let grey = json(
        &["data", "--channels", "1", "--size", "8", "--dataset"],
        &[&dir],
    );
    assert_eq!(
        grey["shape"],
        serde_json::json!({"height": 8, "width": 8, "channels": 1})
    );
    assert_ne!(grey["sha256"], sha.as_str());

    let pca = json(
        &["pca", "--components", "8", "--json", "--dataset"],
        &[&dir, Path::new("--out"), &tmp.path().join("pca")],
    );
    let sse = pca["test_sse"].as_f64().unwrap();
    // 768 values per image; 8 components leave a positive error well under the total energy.
    assert!(sse > 0.0 && sse < 768.0, "{sse}");
    assert_eq!(pca["data"]["sha256"], sha.as_str());
    assert!(tmp.path().join("pca/reconstructions.png").is_file());
    // The fitted model is kept as NumPy arrays: orthonormal components, and with the mean they
    // give back the test SSE the command reported.
    let arrays = tmp.path().join("pca");
    let c: ndarray::Array2<f32> = ndarray_npy::read_npy(arrays.join("components.npy")).unwrap();
    let mean: ndarray::Array1<f32> = ndarray_npy::read_npy(arrays.join("mean.npy")).unwrap();
    let var: ndarray::Array1<f32> =
        ndarray_npy::read_npy(arrays.join("explained_variance.npy")).unwrap();
    assert_eq!((c.dim(), mean.len(), var.len()), ((8, 768), 768, 8));
    assert!(var
        .windows(2)
        .into_iter()
        .all(|w| w[0] >= w[1] && w[1] > 0.0));
    let gram = c.dot(&c.t()) - ndarray::Array2::<f32>::eye(8);
    assert!(gram.iter().all(|v| v.abs() < 1e-4), "{gram}");
    let spec = ae_data::DataSpec::parse(dir.to_str().unwrap()).unwrap();
    let data = ae_data::Dataset::open(&spec, tmp.path(), &()).unwrap();
    let x = data.test.to_f32();
    let recon = (&x - &mean).dot(&c.t()).dot(&c) + &mean;
    let sse = (&recon - &x).mapv(|d| f64::from(d * d)).sum() / x.nrows() as f64;
    assert!(
        (sse - pca["test_sse"].as_f64().unwrap()).abs() < 1e-3 * sse,
        "{sse}"
    );

    let out = tmp.path().join("ae");
    let m = train_small(&dir, &out, 1);
    assert_eq!(m["data"]["sha256"], sha.as_str());
    assert_eq!(m["data"]["train_per_class"][0][0], "circle");
    assert!(m["test_sse_output"].as_f64().unwrap().is_finite());
    // A dense model takes the folder's 768 values per image; the picture is drawn in colour.
    let config = std::fs::read_to_string(out.join("config.json")).unwrap();
    assert!(config.contains("\"input\": 768"), "{config}");
    let png = image::open(out.join("reconstructions.png"))
        .unwrap()
        .into_rgb8();
    assert!(
        png.pixels().any(|p| p[0] != p[1] || p[1] != p[2]),
        "no colour in the grid"
    );

    let km = json(
        &["kmeans", "--k", "4", "--json", "--dataset"],
        &[&dir, Path::new("--out"), &tmp.path().join("km")],
    );
    assert!(km["accuracy"].as_f64().unwrap() > 0.25);
    // The centres are kept: at convergence each is the mean of its training images.
    let centres: ndarray::Array2<f32> =
        ndarray_npy::read_npy(tmp.path().join("km/cluster_centers.npy")).unwrap();
    assert_eq!(centres.dim(), (4, 768));
    assert!(tmp.path().join("km/centres.png").is_file());
    let assigned: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("km/assignments.json")).unwrap())
            .unwrap();
    let clusters: Vec<usize> = assigned["train_clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap() as usize)
        .collect();
    let x = data.train.to_f32();
    for (c, centre) in centres.rows().into_iter().enumerate() {
        let members: Vec<usize> = (0..clusters.len()).filter(|&i| clusters[i] == c).collect();
        let mean = x
            .select(ndarray::Axis(0), &members)
            .mean_axis(ndarray::Axis(0))
            .unwrap();
        let gap = (&mean - &centre)
            .mapv(f32::abs)
            .fold(0.0f32, |a, &b| a.max(b));
        assert!(gap < 1e-4, "centre {c} is {gap} from its members' mean");
    }

    let e = stderr(
        &["train", "--model", "s0.1", "--epochs", "1", "--dataset"],
        &[&dir],
    );
    assert!(
        e.contains("28 × 28 grey") && e.contains("16 × 16 RGB"),
        "{e}"
    );
}

#[test]
fn a_flat_folder_without_labels_still_clusters() {
    let tmp = tempfile::tempdir().unwrap();
    let classes = shapes(tmp.path());
    let flat = tmp.path().join("flat");
    std::fs::create_dir(&flat).unwrap();
    for entry in std::fs::read_dir(classes.join("circle")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, flat.join(p.file_name().unwrap())).unwrap();
    }
    let d = json(&["data", "--dataset"], &[&flat]);
    assert!(d["classes"].is_null() && d["first_train_labels"].is_null());
    let km = json(
        &["kmeans", "--k", "3", "--json", "--dataset"],
        &[&flat, Path::new("--out"), &tmp.path().join("km")],
    );
    assert!(km.get("accuracy").is_none() && km["inertia"].as_f64().unwrap() > 0.0);
    let c = json(
        &[
            "cluster",
            "--method",
            "kmeans",
            "--k",
            "3",
            "--json",
            "--dataset",
        ],
        &[&flat, Path::new("--out"), &tmp.path().join("cl")],
    );
    assert!(c.get("accuracy").is_none());
    assert_eq!(
        c["data"]["sha256"], d["sha256"],
        "the run records what it clustered"
    );
    assert_eq!(c["sizes"].as_array().unwrap().len(), 3);
    assert!(tmp.path().join("cl/members.png").is_file());
    assert!(!tmp.path().join("cl/confusion.png").exists());
    // A method on UMAP's neighbour graph says, without labels, how well it follows the clusters.
    let out = run(
        &["cluster", "--method", "umap-gmm", "--k", "3"],
        &[
            Path::new("--umap-epochs"),
            Path::new("50"),
            Path::new("--dataset"),
            &flat,
            Path::new("--out"),
            &tmp.path().join("cl-umap"),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("nearest neighbours share its cluster") && !stdout.contains("its label"),
        "{stdout}"
    );
    // An autoencoder needs no labels either.
    let m = json(
        &[
            "train",
            "--model",
            "s2.3",
            "--epochs",
            "1",
            "--val",
            "3",
            "--json",
            "--dataset",
        ],
        &[&flat, Path::new("--out"), &tmp.path().join("ae")],
    );
    assert!(m["data"]["classes"].is_null() && m["test_loss"].as_f64().unwrap().is_finite());
    // Its config.json trains the same run again: same split sizes, same numbers.
    let again = json(
        &["train", "--json", "--config"],
        &[
            &tmp.path().join("ae/config.json"),
            Path::new("--out"),
            &tmp.path().join("ae2"),
        ],
    );
    let config = |run: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(tmp.path().join(run).join("config.json")).unwrap())
            .unwrap()
    };
    assert_eq!(config("ae2")["validation"], 3);
    assert_eq!(config("ae2"), config("ae"));
    assert_eq!(again["test_loss"], m["test_loss"]);
}

#[test]
fn npy_with_labels_and_csv_tables_load() {
    let tmp = tempfile::tempdir().unwrap();
    let x = Array3::from_shape_fn((30, 6, 6), |(i, r, c)| ((i * 3 + r * 6 + c) % 256) as u8);
    let y = Array1::from_shape_fn(30, |i| (i % 3) as i64);
    let (xp, yp) = (tmp.path().join("x.npy"), tmp.path().join("y.npy"));
    ndarray_npy::write_npy(&xp, &x).unwrap();
    ndarray_npy::write_npy(&yp, &y).unwrap();
    let d = json(&["data", "--dataset"], &[&xp, Path::new("--labels"), &yp]);
    assert_eq!(d["classes"], serde_json::json!(["0", "1", "2"]));
    assert_eq!(
        d["train"].as_u64().unwrap() + d["test"].as_u64().unwrap(),
        30
    );
    let pca = json(
        &["pca", "--components", "4", "--json", "--dataset"],
        &[
            &xp,
            Path::new("--labels"),
            &yp,
            Path::new("--out"),
            &tmp.path().join("pca"),
        ],
    );
    assert!(pca["test_sse"].as_f64().unwrap() >= 0.0);
    let m = json(
        &[
            "train",
            "--model",
            "s2.2",
            "--epochs",
            "1",
            "--json",
            "--dataset",
        ],
        &[&xp, Path::new("--out"), &tmp.path().join("ae-npy")],
    );
    assert_eq!(m["data"]["shape"]["height"], 6);

    let csv = tmp.path().join("t.csv");
    let mut text = String::from("label,a,b,c,d\n");
    for i in 0..20 {
        text.push_str(&format!(
            "{},{},0,255,{}\n",
            ["cat", "dog"][i % 2],
            i * 10,
            i
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let d = json(&["data", "--test-fraction", "0.25", "--dataset"], &[&csv]);
    assert_eq!(d["classes"], serde_json::json!(["cat", "dog"]));
    assert_eq!(
        (d["train"].as_u64(), d["test"].as_u64()),
        (Some(15), Some(5))
    );
    let pca = json(
        &["pca", "--components", "2", "--json", "--dataset"],
        &[&csv, Path::new("--out"), &tmp.path().join("pca-csv")],
    );
    assert!(pca["test_sse"].as_f64().unwrap() >= 0.0);
    let m = json(
        &[
            "train",
            "--model",
            "s2.2",
            "--epochs",
            "1",
            "--json",
            "--dataset",
        ],
        &[&csv, Path::new("--out"), &tmp.path().join("ae-csv")],
    );
    assert!(m["test_sse_output"].as_f64().unwrap().is_finite());
}

#[test]
fn bad_inputs_name_the_file_or_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = shapes(tmp.path());
    let bad = dir.join("circle/broken.png");
    std::fs::write(&bad, b"\x89PNG but not really").unwrap();
    let e = stderr(&["data", "--dataset"], &[&dir]);
    assert!(e.contains("broken.png") && e.contains("--skip-bad"), "{e}");
    let d = json(&["data", "--skip-bad", "--dataset"], &[&dir]);
    assert_eq!(d["skipped"].as_array().unwrap().len(), 1);
    assert_eq!(
        d["train"].as_u64().unwrap() + d["test"].as_u64().unwrap(),
        100
    );

    let e = stderr(&["data", "--dataset", "mnist", "--size", "32"], &[]);
    assert!(e.contains("--size applies to your own images"), "{e}");
    let e = stderr(&["data", "--channels", "2", "--dataset"], &[&dir]);
    assert!(e.contains("--channels"), "{e}");
    let e = stderr(&["data", "--size", "0x3", "--dataset"], &[&dir]);
    assert!(e.contains("--size"), "{e}");
    let e = stderr(&["data", "--dataset"], &[&tmp.path().join("nowhere")]);
    assert!(e.contains("--dataset") && e.contains("nowhere"), "{e}");
}

/// The values of a PNG file brought to `shape`, channel-planar.
fn planar(path: &Path, shape: ae_data::ImageShape) -> Vec<u8> {
    let image = image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        (image.height() as usize, image.width() as usize),
        (shape.height, shape.width),
        "{}",
        path.display()
    );
    let mut values = vec![0; shape.values()];
    ae_data::own::convert::write_planar(image, shape, &mut values);
    values
}

#[test]
fn a_trained_model_is_applied_to_every_image_of_a_folder_or_array() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = shapes(tmp.path());
    let run_dir = tmp.path().join("ae");
    train_small(&dir, &run_dir, 1);
    // One more image, larger and grey, one level deeper: brought to 16 × 16 RGB like the rest.
    std::fs::create_dir_all(dir.join("extra/deeper")).unwrap();
    image::GrayImage::from_fn(32, 32, |x, y| image::Luma([((x * 7 + y * 3) % 256) as u8]))
        .save(dir.join("extra/deeper/big.png"))
        .unwrap();
    let out = tmp.path().join("outputs");
    let apply = |extra: &[&str], out: &Path| {
        let mut args = vec!["reconstruct", "--device", "cpu"];
        args.extend_from_slice(extra);
        run(
            &args,
            &[
                Path::new("--run"),
                &run_dir,
                Path::new("--images"),
                &dir,
                Path::new("--out-dir"),
                out,
            ],
        )
    };
    let done = apply(&[], &out);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(String::from_utf8_lossy(&done.stdout).starts_with("101 images of "));

    // Each output is what the library's model gives for that image, named after it.
    let (config, model) = ae_lab::load_run(&run_dir, tch::Device::Cpu).unwrap();
    let shape = config.image_shape();
    let read = ae_data::own::load_named(&dir, shape, false, &()).unwrap();
    assert_eq!(read.names.len(), 101);
    let x = ae_models::images_tensor(
        &read.images.to_f32(),
        &config.model.input_shape(),
        tch::Device::Cpu,
    )
    .unwrap();
    let forward = model.evaluate(&x, 1000);
    let expected = ae_models::to_array(&forward.output).unwrap();
    for (name, row) in read.names.iter().zip(expected.rows()) {
        let want: Vec<u8> = row
            .iter()
            .map(|&v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
            .collect();
        let got = planar(&out.join(name).with_extension("png"), shape);
        assert_eq!(got, want, "{}", name.display());
    }
    assert!(out.join("extra/deeper/big.png").is_file());
    assert!(out.join("circle").read_dir().unwrap().count() == 25);

    // `ae encode --images`: the same images' codes, with their paths in the codes' order.
    let codes = tmp.path().join("codes.npy");
    succeeds(
        &["encode", "--device", "cpu", "--run"],
        &[
            &run_dir,
            Path::new("--images"),
            &dir,
            Path::new("--out"),
            &codes,
        ],
    );
    let got: ndarray::Array2<f32> = ndarray_npy::read_npy(&codes).unwrap();
    assert_eq!(got, ae_models::to_array(&forward.code).unwrap());
    let names = std::fs::read_to_string(tmp.path().join("codes.names.txt")).unwrap();
    let want: Vec<String> = read.names.iter().map(|n| n.display().to_string()).collect();
    assert_eq!(names.lines().collect::<Vec<_>>(), want);

    // A second time: the folder holds outputs now.
    let again = apply(&[], &out);
    let e = String::from_utf8_lossy(&again.stderr);
    assert!(
        !again.status.success() && e.contains("is not empty") && e.contains("--overwrite"),
        "{e}"
    );
    let again = apply(&["--overwrite", "--noise", "gaussian:0.1"], &out);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stdout).contains("PSNR"));
    // A picture of the first ones, on request.
    let preview = tmp.path().join("preview.png");
    let shown = apply(
        &[
            "--overwrite",
            "--n",
            "4",
            "--out",
            preview.to_str().unwrap(),
        ],
        &out,
    );
    let said = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.status.success() && said.contains("the first 4 side by side"),
        "{said}"
    );
    assert!(image::open(&preview).unwrap().width() > 4 * 16);
    let too_many = apply(&["--overwrite", "--n", "102", "--out", "p.png"], &out);
    let e = String::from_utf8_lossy(&too_many.stderr);
    assert!(e.contains("--n: must be between 1 and 101"), "{e}");
    let inside = apply(&[], &dir.join("results"));
    let e = String::from_utf8_lossy(&inside.stderr);
    assert!(e.contains("lies inside --images"), "{e}");
    assert!(!dir.join("results").exists());

    // An unreadable file stops the work with its name, or is left out and counted.
    std::fs::write(dir.join("extra/broken.png"), b"\x89PNG but not really").unwrap();
    let broken = apply(&["--overwrite"], &out);
    let e = String::from_utf8_lossy(&broken.stderr);
    assert!(e.contains("broken.png") && e.contains("--skip-bad"), "{e}");
    let skipping = apply(&["--overwrite", "--skip-bad"], &out);
    let e = String::from_utf8_lossy(&skipping.stderr);
    assert!(skipping.status.success() && e.contains("left out 1"), "{e}");
    assert!(!out.join("extra/broken.png").exists());

    // Two inputs that would share one output name: nothing is written.
    let clash = tmp.path().join("clash");
    std::fs::create_dir(&clash).unwrap();
    let tile = image::RgbImage::from_pixel(16, 16, image::Rgb([200, 10, 10]));
    tile.save(clash.join("a.png")).unwrap();
    tile.save(clash.join("a.bmp")).unwrap();
    let e = stderr(
        &["reconstruct", "--device", "cpu", "--run"],
        &[
            &run_dir,
            Path::new("--images"),
            &clash,
            Path::new("--out-dir"),
            &tmp.path().join("clash-out"),
        ],
    );
    assert!(e.contains("a.bmp and a.png would both be written"), "{e}");
    assert!(!tmp.path().join("clash-out").exists());

    // A .npy array: outputs named by row.
    let array = tmp.path().join("three.npy");
    ndarray_npy::write_npy(&array, &ndarray::Array4::<u8>::zeros((3, 16, 16, 3))).unwrap();
    let npy_out = tmp.path().join("npy-out");
    succeeds(
        &["reconstruct", "--device", "cpu", "--run"],
        &[
            &run_dir,
            Path::new("--images"),
            &array,
            Path::new("--out-dir"),
            &npy_out,
        ],
    );
    for i in 0..3 {
        assert_eq!(planar(&npy_out.join(format!("{i}.png")), shape).len(), 768);
    }
    let codes = tmp.path().join("three-codes.npy");
    succeeds(
        &["encode", "--device", "cpu", "--run"],
        &[
            &run_dir,
            Path::new("--images"),
            &array,
            Path::new("--out"),
            &codes,
        ],
    );
    assert_eq!(
        ndarray_npy::read_npy::<_, ndarray::Array2<f32>>(&codes)
            .unwrap()
            .nrows(),
        3
    );
    assert!(
        !tmp.path().join("three-codes.names.txt").exists(),
        "rows need no names"
    );

    // Flags that belong together, and flags that do not.
    let e = stderr(
        &[
            "reconstruct",
            "--dataset",
            "mnist",
            "--out-dir",
            "x",
            "--run",
        ],
        &[&run_dir, Path::new("--images"), &dir],
    );
    assert!(e.contains("--dataset"), "{e}");
    let e = stderr(&["reconstruct", "--out-dir", "x", "--run"], &[&run_dir]);
    assert!(e.contains("--images"), "{e}");
    let e = stderr(
        &["encode", "--split", "train", "--out", "c.npy", "--run"],
        &[&run_dir, Path::new("--images"), &dir],
    );
    assert!(e.contains("--split"), "{e}");
}
