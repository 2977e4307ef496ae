use thiserror::Error;

#[derive(Debug, Error)]
pub enum SpeedError {
    #[error("{0}")]
    Invalid(String),
    #[error("speed calibration: {0}")]
    Calibration(String),
    #[error("{file}: {message}")]
    Csv { file: String, message: String },
}
