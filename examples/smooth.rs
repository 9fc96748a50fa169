//! Seed 002's `smooth`, the 3x3 mean filter of the Numba/Dask/gufunc post, as a
//! `#[stencil]` kernel over real images and a stack of them.
//!
//! The post reads PNGs, smooths each `int8` image with a Numba stencil (border 0) wrapped
//! in an `int8` gufunc, and maps that over a Dask stack. Here:
//!
//! 1. each grayscale PNG in `data/images/` becomes an `int8` array exactly as the
//!    reference data did (`v - 128`, see `data/README.md`), checked against
//!    `data/smooth/<name>.i8.npy`;
//! 2. `smooth` runs on it and must equal Numba's output `data/smooth/<name>.smooth.npy`
//!    bit for bit, border included;
//! 3. images of the same size are stacked into one 3-D array (leading axes of a stencil
//!    are a stack, like the gufunc's loop dimension) and smoothed in one call, as is the
//!    committed `(4, 128, 128)` stack;
//! 4. the results are written back as PNGs (`+ 128`) to `target/smooth-out/`;
//! 5. both are timed against the post's `_smooth` loop nest, transcribed.
//!
//! ```text
//! cargo run --release --example smooth
//! RAYON_NUM_THREADS=1 cargo run --release --example smooth
//! ```
//!
//! The kernel (`#[stencil] pub fn smooth(x: Rel<i8>) -> i8`: an exact `i16` sum of the nine
//! reads, floor-divided by 9 with `div_euclid` as Numba's `// 9` does) and the post's loop
//! nest live in `seeds/src/smooth.rs`, shared with the tour, the benches and the peer
//! comparison.

use std::collections::BTreeMap;
use std::error::Error;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ndarray_npy::read_npy;
use ndkernel::dispatch::serial;
use ndkernel::ndarray::{Array2, Array3, ArrayView2, Axis, Zip, stack};
use ndkernel_seeds::measure::best_of;
use ndkernel_seeds::smooth::{naive as smooth_naive, per_plane, smooth, smooth_into};

/// The naive loop over every image of a stack, as the gufunc loops over axis 0.
fn smooth_naive_stack(x: &Array3<i8>, out: &mut Array3<i8>) {
    per_plane(smooth_naive, x.view(), out.view_mut());
}

/// An image and its file stem.
type Named = (String, Array2<i8>);

/// uint8 pixel `v` to int8 `v - 128`, as `tools/data/make_data.py`'s `to_int8` does.
fn to_int8(v: u8) -> i8 {
    (i16::from(v) - 128) as i8
}

/// The inverse, for writing results back as PNGs.
fn to_uint8(v: i8) -> u8 {
    (i16::from(v) + 128) as u8
}

/// Reads a grayscale PNG into an `int8` array of shape (height, width).
fn read_png_i8(path: &Path) -> Result<Array2<i8>, Box<dyn Error>> {
    let image = image::open(path)?;
    if image.color() != image::ColorType::L8 {
        return Err(format!(
            "{}: expected 8-bit grayscale, found {:?}",
            path.display(),
            image.color()
        )
        .into());
    }
    let gray = image.into_luma8();
    let (w, h) = gray.dimensions();
    let pixels: Vec<i8> = gray.into_raw().into_iter().map(to_int8).collect();
    Ok(Array2::from_shape_vec((h as usize, w as usize), pixels)?)
}

/// Writes an `int8` image as an 8-bit grayscale PNG.
fn write_png_i8(path: &Path, x: ArrayView2<i8>) -> Result<(), Box<dyn Error>> {
    let (h, w) = x.dim();
    let pixels: Vec<u8> = x.iter().map(|&v| to_uint8(v)).collect();
    let image = image::GrayImage::from_raw(w as u32, h as u32, pixels).ok_or("buffer size")?;
    image.save(path)?;
    Ok(())
}

/// Times the naive loop, `smooth_into` on one thread and on rayon's pool, on `x`.
fn time_stack(label: &str, x: &Array3<i8>) {
    let mut out = Array3::<i8>::zeros(x.dim());
    let naive = best_of(5, || smooth_naive_stack(black_box(x), black_box(&mut out)));
    let one = best_of(5, || {
        serial(|| smooth_into(black_box(x), black_box(&mut out))).expect("same shapes");
    });
    let pool = best_of(5, || {
        smooth_into(black_box(x), black_box(&mut out)).expect("same shapes");
    });
    let melem = |d: Duration| x.len() as f64 / d.as_secs_f64() / 1e6;
    println!(
        "{label:<22} naive {naive:>9.3?} ({:>6.0} Melem/s)   smooth serial {one:>9.3?} ({:>6.0} \
         Melem/s, {:>4.1}x)   smooth x{} {pool:>9.3?} ({:>6.0} Melem/s, {:>4.1}x)",
        melem(naive),
        melem(one),
        naive.as_secs_f64() / one.as_secs_f64(),
        rayon::current_num_threads(),
        melem(pool),
        naive.as_secs_f64() / pool.as_secs_f64(),
    );
    // The timed calls wrote the same result as the checked ones.
    let mut expected = Array3::<i8>::zeros(x.dim());
    smooth_naive_stack(x, &mut expected);
    assert_eq!(out, expected);
}

fn main() -> Result<(), Box<dyn Error>> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let out_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/smooth-out");
    std::fs::create_dir_all(&out_dir)?;

    let mut pngs: Vec<PathBuf> = std::fs::read_dir(data.join("images"))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    pngs.retain(|p| p.extension().is_some_and(|e| e == "png"));
    pngs.sort();

    // One image at a time, against Numba's output.
    let mut by_shape: BTreeMap<(usize, usize), Vec<Named>> = BTreeMap::new();
    for path in &pngs {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or("file name")?;
        let x = read_png_i8(path)?;
        let x_ref: Array2<i8> = read_npy(data.join(format!("smooth/{name}.i8.npy")))?;
        assert_eq!(
            x, x_ref,
            "{name}: PNG -> int8 differs from the reference input"
        );
        let y = smooth(&x)?;
        let y_ref: Array2<i8> = read_npy(data.join(format!("smooth/{name}.smooth.npy")))?;
        assert_eq!(y, y_ref, "{name}: smooth differs from Numba's");
        let mut naive = Array2::<i8>::ones(x.dim());
        smooth_naive(x.view(), naive.view_mut());
        assert_eq!(naive, y_ref, "{name}: the naive loop differs from Numba's");
        write_png_i8(&out_dir.join(format!("{name}.smooth.png")), y.view())?;
        println!("{name:<7} {:?}: equals Numba's int8 smooth", x.dim());
        by_shape
            .entry(x.dim())
            .or_default()
            .push((name.to_owned(), x));
    }

    // Same-size images as one stack: one call, each plane checked against its reference.
    for ((h, w), images) in by_shape.iter().filter(|(_, v)| v.len() > 1) {
        let views: Vec<_> = images.iter().map(|(_, x)| x.view()).collect();
        let x = stack(Axis(0), &views)?;
        let y = smooth(&x)?;
        for ((name, _), plane) in images.iter().zip(y.outer_iter()) {
            let y_ref: Array2<i8> = read_npy(data.join(format!("smooth/{name}.smooth.npy")))?;
            assert_eq!(plane, y_ref, "{name}: plane of the stack differs");
        }
        let names: Vec<&str> = images.iter().map(|(n, _)| n.as_str()).collect();
        println!(
            "stack {:?} of {names:?}: every plane equals Numba's",
            (images.len(), h, w)
        );
    }

    // The committed stack, made from crops of four images.
    let x: Array3<i8> = read_npy(data.join("smooth/stack.i8.npy"))?;
    let y_ref: Array3<i8> = read_npy(data.join("smooth/stack.smooth.npy"))?;
    assert_eq!(smooth(&x)?, y_ref, "stack: smooth differs from Numba's");
    for (k, plane) in smooth(x.view())?.outer_iter().enumerate() {
        write_png_i8(&out_dir.join(format!("stack{k}.smooth.png")), plane)?;
    }
    // A transposed view reads through strides: same result, transposed.
    let xt = x.view().permuted_axes([0, 2, 1]);
    let yt = smooth(xt)?;
    assert!(
        Zip::from(&yt.view().permuted_axes([0, 2, 1]))
            .and(&y_ref)
            .all(|a, b| a == b)
    );
    println!(
        "stack {:?}: equals Numba's (and so does its transpose)",
        x.dim()
    );
    println!(
        "wrote {} PNGs to {}\n",
        pngs.len() + x.len_of(Axis(0)),
        out_dir.display()
    );

    // Timings: one image, the committed stack, and 64 copies of camera (16 MB).
    let camera = by_shape
        .values()
        .flatten()
        .find(|(n, _)| n == "camera")
        .map(|(_, x)| x.clone())
        .ok_or("camera.png")?;
    let camera_views = vec![camera.view(); 64];
    time_stack("camera (1, 512, 512)", &camera.clone().insert_axis(Axis(0)));
    time_stack("stack (4, 128, 128)", &x);
    time_stack("camera x64", &stack(Axis(0), &camera_views)?);
    Ok(())
}
