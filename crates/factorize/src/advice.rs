//! The advice that ends the `empty_component` and `basis_out_of_range`
//! warnings, chosen so that it never points the wrong way.
//!
//! A basis ridge `μ/2·‖W‖²` pulls every basis series towards zero. A larger
//! ridge therefore helps only a basis that overshoots the data away from
//! zero. A basis that already stays below the data's largest values only
//! shrinks further under it.

use crate::settings::DEFAULT_BASIS_RIDGE;
use crate::warnings::short;

/// The start that cleared both warnings on the world fertility, Italy power
/// and synthetic data, measured with the `basis_quality` example (k = 3).
/// On the El Niño data it left one basis out of range.
///
/// The `empty_component` and `basis_out_of_range` warnings quote this phrase
/// word for word, so that a front end can add its own spelling of the
/// settings after it (the command line adds `--init kmeans++ --restarts 8`).
pub const KMEANS_START: &str = "the k-means++ initialisation with 8 restarts";

/// Returns the advice for a component that leads no series.
///
/// `basis_ridge` is `None` for the seed objective, which has no ridge term.
/// `flattened` is whether the component's basis stays below the data's
/// largest absolute value. Under a ridge above the default, such a basis
/// is taken as flattened by the ridge, so the advice is a smaller one.
pub(crate) fn empty_component(
    basis_ridge: Option<f64>,
    flattened: bool,
    prior_weight: f64,
) -> String {
    let mut options = vec![KMEANS_START.to_string(), "fewer components".to_string()];
    let mut reason = String::new();
    match basis_ridge {
        Some(mu) if flattened && mu > DEFAULT_BASIS_RIDGE => {
            reason = format!(
                "the basis ridge {} holds its basis below the data's largest values; ",
                short(mu)
            );
            options.insert(0, smaller_ridge());
        }
        Some(_) => options.push("a larger basis ridge".to_string()),
        None => {}
    }
    if prior_weight > 0.0 {
        options.push("a smaller prior weight".to_string());
    }
    format!("{reason}try {}", list(&options))
}

/// Returns the advice for a basis series from `min` to `max` that leaves
/// the data's range `[data_min, data_max]` by more than `margin` of it.
///
/// `basis_ridge` is `None` for the seed objective, which has no ridge term.
pub(crate) fn basis_out_of_range(
    [min, max]: [f64; 2],
    [data_min, data_max]: [f64; 2],
    margin: f64,
    basis_ridge: Option<f64>,
) -> String {
    let reach = margin * (data_max - data_min);
    let below = min < data_min - reach;
    let above = max > data_max + reach;
    // Pulling towards zero brings an extreme back into range only if zero
    // lies on the far side of the bound it crossed.
    let ridge_can_help = (below && data_min - reach <= 0.0) || (above && data_max + reach >= 0.0);
    let flattened = min.abs().max(max.abs()) < data_min.abs().max(data_max.abs());
    match basis_ridge {
        Some(mu) if flattened && mu > DEFAULT_BASIS_RIDGE => format!(
            "the basis ridge {} pulls basis series towards zero and holds this one below the \
             data's largest values; try {}",
            short(mu),
            list(&[
                smaller_ridge(),
                KMEANS_START.to_string(),
                "fewer components".to_string()
            ])
        ),
        Some(_) if ridge_can_help => format!(
            "try {}",
            list(&[
                KMEANS_START.to_string(),
                "fewer components".to_string(),
                "a larger basis ridge".to_string()
            ])
        ),
        _ => format!("try {KMEANS_START} or fewer components"),
    }
}

fn smaller_ridge() -> String {
    format!(
        "a smaller basis ridge (the default is {})",
        short(DEFAULT_BASIS_RIDGE)
    )
}

/// Joins `options` as "a, b or c".
fn list(options: &[String]) -> String {
    match options {
        [] => String::new(),
        [only] => only.clone(),
        [head @ .., last] => format!("{} or {last}", head.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn larger_ridge_only_for_basis_beyond_data() {
        // The default fertility fit: basis 2 overshoots the top of the data,
        // and basis 3 falls below zero under data that start at 0.836, so
        // pulling either towards zero moves it towards the data.
        let data = [0.836, 9.22];
        let overshoot = basis_out_of_range([3.43, 13.1], data, 0.25, Some(0.01));
        assert_eq!(
            overshoot,
            "try the k-means++ initialisation with 8 restarts, fewer components or a larger \
             basis ridge"
        );
        let under = basis_out_of_range([-2.56, 0.428], data, 0.25, Some(0.01));
        assert_eq!(under, overshoot);
        // El Niño temperatures start at 18.9, so no pull towards zero can
        // lift a basis that falls below 16.3.
        let cold = basis_out_of_range([10.0, 25.0], [18.9, 29.2], 0.25, Some(0.01));
        assert_eq!(
            cold,
            "try the k-means++ initialisation with 8 restarts or fewer components"
        );
        // The seed objective has no ridge to change.
        let seed = basis_out_of_range([3.43, 13.1], data, 0.25, None);
        assert!(!seed.contains("ridge"), "{seed}");
    }

    #[test]
    fn smaller_ridge_for_flattened_basis() {
        let flattened = basis_out_of_range([-1.5e-9, 2.2e-9], [18.9, 29.2], 0.25, Some(1e20));
        assert!(
            flattened.starts_with("the basis ridge 1.00e20 pulls basis series towards zero"),
            "{flattened}"
        );
        assert!(!flattened.contains("larger"), "{flattened}");
        let empty = empty_component(Some(1e20), true, 0.03);
        assert_eq!(
            empty,
            "the basis ridge 1.00e20 holds its basis below the data's largest values; try a \
             smaller basis ridge (the default is 0.0100), the k-means++ initialisation with 8 \
             restarts, fewer components or a smaller prior weight"
        );
    }

    #[test]
    fn empty_component_advice_follows_settings() {
        assert_eq!(
            empty_component(Some(0.01), false, 0.03),
            "try the k-means++ initialisation with 8 restarts, fewer components, a larger basis \
             ridge or a smaller prior weight"
        );
        // No prior to weaken and no ridge to strengthen.
        assert_eq!(
            empty_component(None, false, 0.0),
            "try the k-means++ initialisation with 8 restarts or fewer components"
        );
    }
}
