//! The data sets this project knows: names, files, download addresses and checksums.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A known MNIST-family data set (serialised by its name: `mnist`, `fashion-mnist`, `kmnist`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetId {
    /// Handwritten digits (LeCun, Cortes, Burges), CC BY-SA 3.0.
    Mnist,
    /// Zalando's clothing images, MIT.
    FashionMnist,
    /// Kuzushiji-MNIST (cursive Japanese characters), CC BY-SA 4.0.
    Kmnist,
}

/// The four files of every MNIST-family data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// Training images, idx3 (60,000 × 28 × 28).
    TrainImages,
    /// Training labels, idx1 (60,000).
    TrainLabels,
    /// Test images, idx3 (10,000 × 28 × 28).
    TestImages,
    /// Test labels, idx1 (10,000).
    TestLabels,
}

impl FileKind {
    /// All four kinds, training files first.
    pub const ALL: [FileKind; 4] = [
        FileKind::TrainImages,
        FileKind::TrainLabels,
        FileKind::TestImages,
        FileKind::TestLabels,
    ];

    /// The canonical file name without the `.gz` suffix.
    pub fn file_name(self) -> &'static str {
        match self {
            FileKind::TrainImages => "train-images-idx3-ubyte",
            FileKind::TrainLabels => "train-labels-idx1-ubyte",
            FileKind::TestImages => "t10k-images-idx3-ubyte",
            FileKind::TestLabels => "t10k-labels-idx1-ubyte",
        }
    }

    /// Number of IDX dimensions (3 for images, 1 for labels).
    pub fn rank(self) -> usize {
        match self {
            FileKind::TrainImages | FileKind::TestImages => 3,
            FileKind::TrainLabels | FileKind::TestLabels => 1,
        }
    }

    /// Number of items in the file for every MNIST-family data set.
    pub fn count(self) -> usize {
        match self {
            FileKind::TrainImages | FileKind::TrainLabels => 60_000,
            FileKind::TestImages | FileKind::TestLabels => 10_000,
        }
    }
}

impl DatasetId {
    /// Every known data set.
    pub const ALL: [DatasetId; 3] = [DatasetId::Mnist, DatasetId::FashionMnist, DatasetId::Kmnist];

    /// The name used on the command line and as the folder name (`mnist`, `fashion-mnist`, `kmnist`).
    pub fn name(self) -> &'static str {
        match self {
            DatasetId::Mnist => "mnist",
            DatasetId::FashionMnist => "fashion-mnist",
            DatasetId::Kmnist => "kmnist",
        }
    }

    /// Class names, index = label.
    pub fn class_names(self) -> [&'static str; 10] {
        match self {
            DatasetId::Mnist => ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            DatasetId::FashionMnist => [
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ],
            DatasetId::Kmnist => ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"],
        }
    }

    /// Base addresses of the canonical public copies, tried in order (each holds the four
    /// `.gz` files directly).
    pub fn canonical_urls(self) -> &'static [&'static str] {
        match self {
            DatasetId::Mnist => &[
                "https://ossci-datasets.s3.amazonaws.com/mnist/",
                "https://storage.googleapis.com/cvdf-datasets/mnist/",
            ],
            DatasetId::FashionMnist => {
                &["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
            }
            DatasetId::Kmnist => &["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"],
        }
    }

    /// Folders where an operating-system package installs the data set (Debian's
    /// `dataset-fashion-mnist`).
    pub fn system_dirs(self) -> &'static [&'static str] {
        match self {
            DatasetId::FashionMnist => &["/usr/share/datasets/fashion-mnist"],
            _ => &[],
        }
    }

    /// SHA-256 of the *decompressed* file, or `None` where no checksum could be established
    /// (KMNIST: its publishers give none for the decompressed files and no copy was at hand to
    /// pin one; such files are accepted with a warning and reported as unverified).
    pub fn sha256(self, file: FileKind) -> Option<&'static str> {
        use FileKind::*;
        let sum = match (self, file) {
            (DatasetId::Mnist, TrainImages) => {
                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
            }
            (DatasetId::Mnist, TrainLabels) => {
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
            }
            (DatasetId::Mnist, TestImages) => {
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
            }
            (DatasetId::Mnist, TestLabels) => {
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
            }
            (DatasetId::FashionMnist, TrainImages) => {
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
            }
            (DatasetId::FashionMnist, TrainLabels) => {
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
            }
            (DatasetId::FashionMnist, TestImages) => {
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
            }
            (DatasetId::FashionMnist, TestLabels) => {
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
            }
            (DatasetId::Kmnist, _) => return None,
        };
        Some(sum)
    }

    /// True when every file of the data set has a pinned checksum.
    pub fn is_pinned(self) -> bool {
        FileKind::ALL.iter().all(|&f| self.sha256(f).is_some())
    }
}

impl fmt::Display for DatasetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DatasetId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        DatasetId::ALL
            .into_iter()
            .find(|d| d.name() == s || (s == "fashion" && *d == DatasetId::FashionMnist))
            .ok_or_else(|| {
                Error::invalid(
                    "dataset",
                    format!("'{s}' is not one of mnist, fashion-mnist, kmnist"),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for id in DatasetId::ALL {
            assert_eq!(id.name().parse::<DatasetId>().unwrap(), id);
        }
        for id in DatasetId::ALL {
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(json, format!("\"{}\"", id.name()));
            assert_eq!(serde_json::from_str::<DatasetId>(&json).unwrap(), id);
        }
        let err = "cifar".parse::<DatasetId>().unwrap_err().to_string();
        assert!(
            err.contains("'cifar'") && err.contains("fashion-mnist"),
            "{err}"
        );
    }

    #[test]
    fn checksums_are_hex_sha256() {
        for id in [DatasetId::Mnist, DatasetId::FashionMnist] {
            assert!(id.is_pinned());
            for f in FileKind::ALL {
                let s = id.sha256(f).unwrap();
                assert_eq!(s.len(), 64);
                assert!(s.bytes().all(|b| b.is_ascii_hexdigit()));
            }
        }
        assert!(!DatasetId::Kmnist.is_pinned());
    }
}
