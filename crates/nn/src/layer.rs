//! The [`Layer`] trait that every layer, chain and activation implements.

use std::any::Any;
use std::fmt;

use ferroflux_autodiff::{Param, Params, Tensor};
use ferroflux_linalg::{Float, Matrix};

use crate::activation::function_name;
use crate::NnError;

/// Access to a layer as [`Any`], so that [`crate::Chain::get`] can return
/// its concrete type. Every `'static` type implements it, so a custom layer
/// needs no code for it.
pub trait AsAny: Any {
    /// Returns `self` as `&dyn Any`.
    fn as_any(&self) -> &dyn Any;
}

impl<A: Any> AsAny for A {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A parameter or state matrix of a model with its structural name, such as
/// `0.weight` for the weight of the first layer of a chain.
#[derive(Debug, Clone)]
pub struct NamedParam<T: Float> {
    /// Dot-separated path: the position in each enclosing chain, then the field.
    pub name: String,
    /// The matrix (shared with the layer: editing it edits the model).
    pub param: Param<T>,
    /// `false` for state that training must not change through gradients,
    /// such as the running statistics of [`crate::BatchNorm`].
    pub trainable: bool,
}

impl<T: Float> NamedParam<T> {
    /// Names `param` as `field` under `prefix` (`prefix.field`, or `field`
    /// at the top level), sharing the matrix with the caller.
    pub fn new(prefix: &str, field: &str, param: &Param<T>, trainable: bool) -> Self {
        Self {
            name: join_name(prefix, field),
            param: param.clone(),
            trainable,
        }
    }
}

/// Training or test behaviour of layers that differ between the two:
/// [`crate::Dropout`] and [`crate::BatchNorm`].
///
/// As in Flux, the default [`Mode::Auto`] trains inside a gradient
/// computation ([`ferroflux_autodiff::gradient`], `with_gradient`,
/// `value_and_gradient`, and so the train loop of ferroflux-optim) and
/// evaluates everywhere else, so a model needs no switching between training
/// and testing. [`Mode::Train`] and [`Mode::Test`] force one behaviour, like
/// Flux's `trainmode!` and `testmode!`; `set_mode(Mode::Auto)` returns to
/// the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Training behaviour inside a gradient computation of the layer's
    /// precision ([`ferroflux_autodiff::is_recording`]), test behaviour
    /// otherwise. The default.
    #[default]
    Auto,
    /// Always training behaviour: Dropout drops, BatchNorm normalises with
    /// batch statistics and updates its running statistics.
    Train,
    /// Always test behaviour: Dropout passes its input through, BatchNorm
    /// normalises with its running statistics and leaves them alone.
    Test,
}

impl Mode {
    /// Returns whether a layer in this mode behaves as in training now, for
    /// tensors of precision `T`: always for [`Mode::Train`], never for
    /// [`Mode::Test`], and inside a gradient computation for [`Mode::Auto`].
    pub fn is_training<T: Float>(self) -> bool {
        match self {
            Self::Auto => ferroflux_autodiff::is_recording::<T>(),
            Self::Train => true,
            Self::Test => false,
        }
    }

    /// Returns the suffix that `Display` adds for a forced mode (`"; mode=train"`,
    /// `"; mode=test"`), empty for [`Mode::Auto`].
    pub(crate) fn display_suffix(self) -> &'static str {
        match self {
            Self::Auto => "",
            Self::Train => "; mode=train",
            Self::Test => "; mode=test",
        }
    }
}

/// A differentiable function of a batch with trainable parameters.
///
/// A batch is a matrix with one sample per column (features x batch), as in
/// Flux. One method, [`Layer::apply`], defines the computation on tensors;
/// [`Layer::forward`] runs it on a plain matrix, so the same code serves
/// inference and, inside [`ferroflux_autodiff::gradient`], differentiation.
///
/// Every function `Fn(&Tensor<T>) -> Tensor<T>` is a layer without
/// parameters, which is how [`crate::softmax`] sits in a chain.
///
/// ```
/// use ferroflux_linalg::Matrix;
/// use ferroflux_nn::{identity, relu, Chain, Dense, Layer};
///
/// let model = Chain::new((Dense::new(3, 4, relu), Dense::new(4, 2, identity)));
/// let y = model.forward(&Matrix::<f32>::zeros(3, 5));
/// assert_eq!(y.shape(), (2, 5));
/// assert_eq!(model.params().count_elements(), 4 * 3 + 4 + 2 * 4 + 2);
/// ```
pub trait Layer<T: Float = f32>: AsAny {
    /// Applies the layer to a batch. Inside a gradient computation the
    /// operations are recorded; outside they are evaluated directly.
    ///
    /// # Panics
    ///
    /// If the input has the wrong number of rows for the layer, naming the
    /// layer and both sizes.
    fn apply(&self, x: &Tensor<T>) -> Tensor<T>;

    /// Applies the layer to a plain matrix and returns a plain matrix.
    ///
    /// # Panics
    ///
    /// As [`Layer::apply`].
    #[track_caller]
    fn forward(&self, x: &Matrix<T>) -> Matrix<T> {
        self.apply(&Tensor::constant(x.clone())).to_matrix()
    }

    /// Checks the number of rows of `x` against [`Layer::input_features`] and
    /// then applies [`Layer::forward`]. Use it for data read from files or
    /// given by users, where a wrong width is an input error, not a bug.
    ///
    /// # Errors
    ///
    /// [`NnError::InputShape`] naming the model, the expected rows and the input's shape.
    ///
    /// # Panics
    ///
    /// As [`Layer::apply`], for a mismatch deeper in the model that the
    /// first layer's width does not reveal.
    fn try_forward(&self, x: &Matrix<T>) -> Result<Matrix<T>, NnError> {
        if let Some(expected) = self.input_features() {
            if x.nrows() != expected {
                return Err(NnError::InputShape {
                    layer: compact(self),
                    expected,
                    rows: x.nrows(),
                    cols: x.ncols(),
                });
            }
        }
        Ok(self.forward(x))
    }

    /// Returns the number of input rows (features) the layer takes, or `None`
    /// if it takes any number (activations, dropout) or cannot tell.
    fn input_features(&self) -> Option<usize> {
        None
    }

    /// Appends this layer's parameters and state to `out`, each name prefixed
    /// by `prefix` (empty at the top level). The default has none.
    fn collect_params(&self, prefix: &str, out: &mut Vec<NamedParam<T>>) {
        let _ = (prefix, out);
    }

    /// Collects the trainable parameters, in the order of [`Layer::named_params`].
    fn params(&self) -> Params<T> {
        let named = self.named_params();
        Params::new(named.iter().filter(|p| p.trainable).map(|p| &p.param))
    }

    /// Lists every parameter and state matrix with its structural name.
    fn named_params(&self) -> Vec<NamedParam<T>> {
        let mut out = Vec::new();
        self.collect_params("", &mut out);
        out
    }

    /// Switches [`Mode`] for this layer and every layer inside it. The default does nothing.
    fn set_mode(&self, mode: Mode) {
        let _ = mode;
    }

    /// Writes the one-line description, e.g. `Dense(10 => 5, sigmoid)`. The
    /// default writes the type's name without its path and generic arguments.
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&function_name::<Self>())
    }

    /// Returns the lines of the multi-line description, each with its `#` comment
    /// (possibly empty), indented by `indent` spaces. The default is one
    /// line from [`Layer::describe`] with the parameter count; containers
    /// such as [`crate::Chain`] list their children between brackets.
    fn tree_lines(&self, indent: usize) -> Vec<TreeLine> {
        vec![TreeLine {
            text: format!("{:indent$}{}", "", compact(self)),
            comment: param_comment(&self.named_params()),
        }]
    }
}

/// One line of a layer's multi-line description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeLine {
    /// The indented text, e.g. `  Dense(10 => 5, sigmoid),`.
    pub text: String,
    /// The comment after `#`, or empty.
    pub comment: String,
}

/// Column at which the multi-line description aligns its `#` comments.
const COMMENT_COLUMN: usize = 40;

/// Renders the one-line description of a layer as a string.
pub(crate) fn compact<T: Float, L: Layer<T> + ?Sized>(layer: &L) -> String {
    struct Describe<'a>(&'a dyn Fn(&mut fmt::Formatter<'_>) -> fmt::Result);
    impl fmt::Display for Describe<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            (self.0)(f)
        }
    }
    Describe(&|f| layer.describe(f)).to_string()
}

/// Formats the parameter count, e.g. `55 parameters`, with `, plus 8
/// non-trainable` for state, or returns an empty string.
pub(crate) fn param_comment<T: Float>(named: &[NamedParam<T>]) -> String {
    let trainable: usize = named
        .iter()
        .filter(|p| p.trainable)
        .map(|p| p.param.len())
        .sum();
    let state: usize = named
        .iter()
        .filter(|p| !p.trainable)
        .map(|p| p.param.len())
        .sum();
    match (trainable, state) {
        (0, 0) => String::new(),
        (n, 0) => format!("{n} parameters"),
        (n, s) => format!("{n} parameters, plus {s} non-trainable"),
    }
}

/// Builds the tree lines of a container: `header(`, each child's lines indented
/// by two more spaces with a comma after the child's last line, then `)`.
pub(crate) fn container_lines<T: Float>(
    header: &str,
    children: &[&dyn Layer<T>],
    indent: usize,
) -> Vec<TreeLine> {
    let mut lines = vec![TreeLine {
        text: format!("{:indent$}{header}(", ""),
        comment: String::new(),
    }];
    for child in children {
        let mut child_lines = child.tree_lines(indent + 2);
        if let Some(last) = child_lines.last_mut() {
            last.text.push(',');
        }
        lines.extend(child_lines);
    }
    lines.push(TreeLine {
        text: format!("{:indent$})", ""),
        comment: String::new(),
    });
    lines
}

/// Formats any layer for `Display`. The default is one line. The alternate
/// flag (`{:#}`) gives the multi-line tree with parameter counts, and a
/// total for containers, in the style of Flux's REPL output.
pub(crate) fn display_layer<T: Float, L: Layer<T> + ?Sized>(
    layer: &L,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    if !f.alternate() {
        return layer.describe(f);
    }

    let mut lines = layer.tree_lines(0);
    if lines.len() > 1 {
        let named = layer.named_params();
        let elements: usize = named.iter().map(|p| p.param.len()).sum();
        let bytes = elements * std::mem::size_of::<T>();
        if let Some(last) = lines.last_mut() {
            last.comment = format!(
                "Total: {} arrays, {elements} parameters, {bytes} bytes",
                named.len()
            );
        }
    }

    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            writeln!(f)?;
        }
        f.write_str(&line.text)?;
        if !line.comment.is_empty() {
            let pad = COMMENT_COLUMN.saturating_sub(line.text.len());
            write!(f, "{:pad$}  # {}", "", line.comment)?;
        }
    }
    Ok(())
}

impl<T: Float> fmt::Display for dyn Layer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        display_layer(self, f)
    }
}

impl<T: Float> fmt::Debug for dyn Layer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f)
    }
}

/// A function of a tensor is a layer without parameters, named after the function.
impl<T, F> Layer<T> for F
where
    T: Float,
    F: Fn(&Tensor<T>) -> Tensor<T> + 'static,
{
    fn apply(&self, x: &Tensor<T>) -> Tensor<T> {
        self(x)
    }

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&function_name::<F>())
    }
}

/// Joins a prefix and a field name with a dot, leaving out an empty prefix.
pub(crate) fn join_name(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Implements `Display` through [`display_layer`] for concrete layer types.
macro_rules! display_via_layer {
    ($($ty:ident),* $(,)?) => {$(
        impl<T: ferroflux_linalg::Float> std::fmt::Display for $ty<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                $crate::layer::display_layer::<T, Self>(self, f)
            }
        }
    )*};
}
pub(crate) use display_via_layer;
