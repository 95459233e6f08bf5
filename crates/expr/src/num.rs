//! Arithmetic on columns of numbers with C++'s rules, so that results match ROOT RDataFrame to
//! the bit: operands are converted to their common type ([`Num::common`], the usual arithmetic
//! conversions), integer division truncates, unsigned arithmetic wraps modulo 2^32 or 2^64, and
//! `float` stays single precision.
//!
//! Where C++ leaves the result undefined we choose, and document in the README:
//! - integer division or remainder by zero is an error naming the event (C++ would crash);
//! - signed overflow wraps (two's complement), as every compiler does in practice;
//! - a float converted to an integer that it does not fit saturates (NaN gives 0).

use crate::ast::BinOp;
use crate::schema::Num;
use crate::value::Nums;
use columnar::compare::test_each;

/// `n` as type `num`: itself, borrowed, where it already is of that type; converted otherwise.
pub fn as_num(n: &Nums, num: Num) -> std::borrow::Cow<'_, Nums> {
    if n.num() == num {
        std::borrow::Cow::Borrowed(n)
    } else {
        std::borrow::Cow::Owned(cast(n, num))
    }
}

/// [`cast`] of a column no longer needed: one of type `num` already is the result (no copy).
pub fn cast_owned(n: Nums, num: Num) -> Nums {
    if n.num() == num {
        return n;
    }
    cast(&n, num)
}

/// Convert a column to `num`, as C++'s `static_cast` does (see the module notes for the
/// out-of-range cases).
pub fn cast(n: &Nums, num: Num) -> Nums {
    if n.num() == num {
        return n.clone();
    }
    macro_rules! conv {
        ($v:expr, $t:ty) => {
            $v.iter().map(|x| *x as $t).collect()
        };
    }
    macro_rules! from {
        ($v:expr) => {
            match num {
                Num::Bool => Nums::Bool($v.iter().map(|x| *x != Default::default()).collect()),
                Num::I32 => Nums::I32(conv!($v, i32)),
                Num::U32 => Nums::U32(conv!($v, u32)),
                Num::I64 => Nums::I64(conv!($v, i64)),
                Num::U64 => Nums::U64(conv!($v, u64)),
                Num::F32 => Nums::F32(conv!($v, f32)),
                Num::F64 => Nums::F64(conv!($v, f64)),
            }
        };
    }
    match n {
        Nums::Bool(v) => {
            let ints: Vec<u8> = v.iter().map(|b| *b as u8).collect();
            from!(ints)
        }
        Nums::I32(v) => from!(v),
        Nums::U32(v) => from!(v),
        Nums::I64(v) => from!(v),
        Nums::U64(v) => from!(v),
        Nums::F32(v) => from!(v),
        Nums::F64(v) => from!(v),
    }
}

/// Why an arithmetic operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithError {
    /// Integer division or remainder by zero at this position.
    DivisionByZero(usize),
    /// The operands have different types (a bug of the caller).
    Mismatch,
}

macro_rules! zip_op {
    ($a:expr, $b:expr, $f:expr) => {
        $a.iter().zip($b.iter()).map(|(x, y)| $f(*x, *y)).collect()
    };
}

fn int_op<T>(op: BinOp, a: &[T], b: &[T]) -> Result<Vec<T>, ArithError>
where
    T: Copy + PartialEq + Default + WrappingInt,
{
    use BinOp::*;
    if matches!(op, Div | Rem) {
        if let Some(pos) = b.iter().position(|y| *y == T::default()) {
            return Err(ArithError::DivisionByZero(pos));
        }
    }
    Ok(match op {
        Add => zip_op!(a, b, T::wadd),
        Sub => zip_op!(a, b, T::wsub),
        Mul => zip_op!(a, b, T::wmul),
        Div => zip_op!(a, b, T::wdiv),
        Rem => zip_op!(a, b, T::wrem),
        _ => return Err(ArithError::Mismatch),
    })
}

/// Wrapping integer arithmetic (C++'s unsigned arithmetic; what compilers do for signed).
pub trait WrappingInt: Sized {
    /// `a + b`
    fn wadd(a: Self, b: Self) -> Self;
    /// `a - b`
    fn wsub(a: Self, b: Self) -> Self;
    /// `a * b`
    fn wmul(a: Self, b: Self) -> Self;
    /// `a / b`, truncating toward zero (`b` is not zero)
    fn wdiv(a: Self, b: Self) -> Self;
    /// `a % b`, with the sign of `a` (`b` is not zero)
    fn wrem(a: Self, b: Self) -> Self;
}

macro_rules! wrapping {
    ($($t:ty),*) => {$(
        impl WrappingInt for $t {
            fn wadd(a: Self, b: Self) -> Self { a.wrapping_add(b) }
            fn wsub(a: Self, b: Self) -> Self { a.wrapping_sub(b) }
            fn wmul(a: Self, b: Self) -> Self { a.wrapping_mul(b) }
            fn wdiv(a: Self, b: Self) -> Self { a.wrapping_div(b) }
            fn wrem(a: Self, b: Self) -> Self { a.wrapping_rem(b) }
        }
    )*};
}
wrapping!(i32, u32, i64, u64);

macro_rules! float_op {
    ($op:expr, $a:expr, $b:expr, $t:ty) => {{
        use BinOp::*;
        match $op {
            Add => zip_op!($a, $b, |x: $t, y: $t| x + y),
            Sub => zip_op!($a, $b, |x: $t, y: $t| x - y),
            Mul => zip_op!($a, $b, |x: $t, y: $t| x * y),
            Div => zip_op!($a, $b, |x: $t, y: $t| x / y),
            // `%` of floats is C's fmod.
            Rem => zip_op!($a, $b, |x: $t, y: $t| x % y),
            Pow => zip_op!($a, $b, |x: $t, y: $t| x.powf(y)),
            _ => return Err(ArithError::Mismatch),
        }
    }};
}

/// `a op b` for `+ - * / % **` on two columns of the same type.
pub fn arith(op: BinOp, a: &Nums, b: &Nums) -> Result<Nums, ArithError> {
    Ok(match (a, b) {
        (Nums::I32(a), Nums::I32(b)) => Nums::I32(int_op(op, a, b)?),
        (Nums::U32(a), Nums::U32(b)) => Nums::U32(int_op(op, a, b)?),
        (Nums::I64(a), Nums::I64(b)) => Nums::I64(int_op(op, a, b)?),
        (Nums::U64(a), Nums::U64(b)) => Nums::U64(int_op(op, a, b)?),
        (Nums::F32(a), Nums::F32(b)) => Nums::F32(float_op!(op, a, b, f32)),
        (Nums::F64(a), Nums::F64(b)) => Nums::F64(float_op!(op, a, b, f64)),
        _ => return Err(ArithError::Mismatch),
    })
}

/// `a op b` for comparisons on two columns of the same type.
pub fn compare(op: BinOp, a: &Nums, b: &Nums) -> Result<Vec<bool>, ArithError> {
    use BinOp::*;
    macro_rules! cmp {
        ($a:expr, $b:expr) => {
            match op {
                Eq => zip_op!($a, $b, |x, y| x == y),
                Ne => zip_op!($a, $b, |x, y| x != y),
                Lt => zip_op!($a, $b, |x, y| x < y),
                Le => zip_op!($a, $b, |x, y| x <= y),
                Gt => zip_op!($a, $b, |x, y| x > y),
                Ge => zip_op!($a, $b, |x, y| x >= y),
                _ => return Err(ArithError::Mismatch),
            }
        };
    }
    Ok(match (a, b) {
        (Nums::Bool(a), Nums::Bool(b)) => cmp!(a, b),
        (Nums::I32(a), Nums::I32(b)) => cmp!(a, b),
        (Nums::U32(a), Nums::U32(b)) => cmp!(a, b),
        (Nums::I64(a), Nums::I64(b)) => cmp!(a, b),
        (Nums::U64(a), Nums::U64(b)) => cmp!(a, b),
        (Nums::F32(a), Nums::F32(b)) => cmp!(a, b),
        (Nums::F64(a), Nums::F64(b)) => cmp!(a, b),
        _ => return Err(ArithError::Mismatch),
    })
}

/// `f op c` (`f` an expression of `x`) for every element `x` of the slice `$a`, `c` the
/// value `$c`: the loop of [`compare_values`] and [`compare_abs_f32`] (with `use BinOp::*` in
/// scope).
macro_rules! with_constant {
    ($op:expr, $a:expr, $c:expr, |$x:ident| $f:expr) => {{
        let c = $c;
        match $op {
            Eq => test_each($a, |$x| $f == c),
            Ne => test_each($a, |$x| $f != c),
            Lt => test_each($a, |$x| $f < c),
            Le => test_each($a, |$x| $f <= c),
            Gt => test_each($a, |$x| $f > c),
            Ge => test_each($a, |$x| $f >= c),
            _ => return Err(ArithError::Mismatch),
        }
    }};
}

/// `a op c` for a column and a constant `c` given as a one-value column of the same type (or
/// `c op a` when `const_first`): the same answers as [`compare`] with the constant repeated
/// into a column, without that column. `c op a` is computed as `a op' c` with the mirrored
/// comparison (`c < a` is `a > c`), which is exact for every value, NaN included (both false).
pub fn compare_const(
    op: BinOp,
    a: &Nums,
    c: &Nums,
    const_first: bool,
) -> Result<Vec<bool>, ArithError> {
    use BinOp::*;
    let op = match (const_first, op) {
        (false, op) => op,
        (true, Lt) => Gt,
        (true, Le) => Ge,
        (true, Gt) => Lt,
        (true, Ge) => Le,
        (true, op) => op,
    };
    match (a, c) {
        (Nums::Bool(a), Nums::Bool(c)) => compare_values(op, a, one(c)?),
        (Nums::I32(a), Nums::I32(c)) => compare_values(op, a, one(c)?),
        (Nums::U32(a), Nums::U32(c)) => compare_values(op, a, one(c)?),
        (Nums::I64(a), Nums::I64(c)) => compare_values(op, a, one(c)?),
        (Nums::U64(a), Nums::U64(c)) => compare_values(op, a, one(c)?),
        (Nums::F32(a), Nums::F32(c)) => compare_values(op, a, one(c)?),
        (Nums::F64(a), Nums::F64(c)) => compare_values(op, a, one(c)?),
        _ => Err(ArithError::Mismatch),
    }
}

/// The value of a one-value column (a constant).
fn one<T: Copy>(c: &[T]) -> Result<T, ArithError> {
    c.first().copied().ok_or(ArithError::Mismatch)
}

/// `a op c` for the values `a` of a column and a constant `c` of their type: the loop of
/// [`compare_const`], for values that are not a [`Nums`] (a field still in the read array,
/// `raw_field.rs`).
pub fn compare_values<T: Copy + PartialOrd>(
    op: BinOp,
    a: &[T],
    c: T,
) -> Result<Vec<bool>, ArithError> {
    use BinOp::*;
    Ok(with_constant!(op, a, c, |x| x))
}

/// `|a| op c` for a float column and a float constant `c` of the same type (a one-value
/// column): [`compare_const`] of the absolute values, computed in the same pass.
pub fn compare_abs_const(op: BinOp, a: &Nums, c: &Nums) -> Result<Vec<bool>, ArithError> {
    match (a, c) {
        (Nums::F32(a), Nums::F32(c)) => compare_abs_f32(op, a, one(c)?),
        (Nums::F64(a), Nums::F64(c)) => compare_abs_f64(op, a, one(c)?),
        _ => Err(ArithError::Mismatch),
    }
}

/// `|a| op c` for single-precision values: the loop of [`compare_abs_const`].
pub fn compare_abs_f32(op: BinOp, a: &[f32], c: f32) -> Result<Vec<bool>, ArithError> {
    use BinOp::*;
    Ok(with_constant!(op, a, c, |x| x.abs()))
}

/// `|a| op c` for double-precision values: the loop of [`compare_abs_const`].
pub fn compare_abs_f64(op: BinOp, a: &[f64], c: f64) -> Result<Vec<bool>, ArithError> {
    use BinOp::*;
    Ok(with_constant!(op, a, c, |x| x.abs()))
}

/// `-a` (unsigned negation wraps, as in C++; `-true` is the int −1).
pub fn neg(n: &Nums) -> Nums {
    match n {
        Nums::Bool(v) => Nums::I32(v.iter().map(|x| -(*x as i32)).collect()),
        Nums::I32(v) => Nums::I32(v.iter().map(|x| x.wrapping_neg()).collect()),
        Nums::U32(v) => Nums::U32(v.iter().map(|x| x.wrapping_neg()).collect()),
        Nums::I64(v) => Nums::I64(v.iter().map(|x| x.wrapping_neg()).collect()),
        Nums::U64(v) => Nums::U64(v.iter().map(|x| x.wrapping_neg()).collect()),
        Nums::F32(v) => Nums::F32(v.iter().map(|x| -x).collect()),
        Nums::F64(v) => Nums::F64(v.iter().map(|x| -x).collect()),
    }
}

/// A constant (a literal or a folded expression) of type `num`, held as the widest value of
/// its kind: integers as `i64` (unsigned values keep their bits), floats as `f64` (a `float`
/// constant holds an exactly representable single-precision value).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar {
    /// A bool.
    Bool(bool),
    /// An integer of any width.
    Int(i64),
    /// A float or double.
    Float(f64),
}

impl Scalar {
    /// As a one-element column of type `num`.
    pub fn column(self, num: Num, len: usize) -> Nums {
        match self {
            Scalar::Bool(b) => cast(&Nums::Bool(vec![b; len]), num),
            Scalar::Int(i) => Nums::filled_int(num, i, len),
            Scalar::Float(f) => match num {
                Num::F32 => Nums::F32(vec![f as f32; len]),
                Num::F64 => Nums::F64(vec![f; len]),
                other => cast(&Nums::F64(vec![f; len]), other),
            },
        }
    }

    /// The constant held by a one-element column.
    pub fn of(n: &Nums) -> Option<Scalar> {
        Some(match n {
            Nums::Bool(v) => Scalar::Bool(*v.first()?),
            Nums::I32(v) => Scalar::Int(*v.first()? as i64),
            Nums::U32(v) => Scalar::Int(*v.first()? as i64),
            Nums::I64(v) => Scalar::Int(*v.first()?),
            Nums::U64(v) => Scalar::Int(*v.first()? as i64),
            Nums::F32(v) => Scalar::Float(*v.first()? as f64),
            Nums::F64(v) => Scalar::Float(*v.first()?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_with_a_constant_is_the_comparison_with_its_column() {
        use BinOp::*;
        let f = [
            f64::NAN,
            -f64::INFINITY,
            -2.5,
            -1.0,
            -0.0,
            0.0,
            1.0,
            1.5,
            f64::INFINITY,
        ];
        let columns = [
            Nums::F64(f.to_vec()),
            Nums::F32(f.iter().map(|x| *x as f32).collect()),
            Nums::I32(vec![i32::MIN, -7, -1, 0, 1, 7, i32::MAX]),
            Nums::U32(vec![0, 1, 7, u32::MAX - 1, u32::MAX]),
            Nums::I64(vec![i64::MIN, -1, 0, 1, i64::MAX]),
            Nums::U64(vec![0, 1, u64::MAX]),
            Nums::Bool(vec![false, true]),
        ];
        for column in &columns {
            // Every value of the column in turn as the constant.
            for i in 0..column.len() {
                let c = column.gather(&[i as i64]);
                let repeated = column.gather(&vec![i as i64; column.len()]);
                for op in [Eq, Ne, Lt, Le, Gt, Ge] {
                    assert_eq!(
                        compare_const(op, column, &c, false).unwrap(),
                        compare(op, column, &repeated).unwrap(),
                        "{column:?} {op:?} {c:?}"
                    );
                    assert_eq!(
                        compare_const(op, column, &c, true).unwrap(),
                        compare(op, &repeated, column).unwrap(),
                        "{c:?} {op:?} {column:?}"
                    );
                }
            }
        }
        // |x| op c, fused, against abs then the comparison.
        for column in &columns[..2] {
            let abs = match column {
                Nums::F64(v) => Nums::F64(v.iter().map(|x| x.abs()).collect()),
                Nums::F32(v) => Nums::F32(v.iter().map(|x| x.abs()).collect()),
                _ => unreachable!(),
            };
            for i in 0..column.len() {
                let c = column.gather(&[i as i64]);
                for op in [Eq, Ne, Lt, Le, Gt, Ge] {
                    assert_eq!(
                        compare_abs_const(op, column, &c).unwrap(),
                        compare_const(op, &abs, &c, false).unwrap(),
                        "|{column:?}| {op:?} {c:?}"
                    );
                }
            }
        }
        assert!(compare_abs_const(Lt, &columns[2], &columns[2].gather(&[0])).is_err());
        let (a, c) = (Nums::F32(vec![1.0]), Nums::F64(vec![1.0]));
        assert!(compare_const(Lt, &a, &c, false).is_err());
        assert!(compare_const(Lt, &a, &Nums::F32(Vec::new()), false).is_err());
    }

    #[test]
    fn usual_arithmetic_conversions() {
        use Num::*;
        assert_eq!(Num::common(I32, U32), U32);
        assert_eq!(Num::common(U32, I64), I64);
        assert_eq!(Num::common(I64, U64), U64);
        assert_eq!(Num::common(Bool, Bool), I32);
        assert_eq!(Num::common(F32, I64), F32);
        assert_eq!(Num::common(F32, F64), F64);
        assert_eq!(Num::common(Bool, U32), U32);
    }

    #[test]
    fn integers_behave_as_in_cpp() {
        let a = Nums::U32(vec![3, 10]);
        let five = Scalar::Int(5).column(Num::U32, 2);
        // UInt_t nJet = 3; nJet - 5 == 4294967294
        assert_eq!(
            arith(BinOp::Sub, &a, &five),
            Ok(Nums::U32(vec![4294967294, 5]))
        );
        let b = Nums::I32(vec![7, -7]);
        let two = Scalar::Int(2).column(Num::I32, 2);
        assert_eq!(arith(BinOp::Div, &b, &two), Ok(Nums::I32(vec![3, -3])));
        assert_eq!(arith(BinOp::Rem, &b, &two), Ok(Nums::I32(vec![1, -1])));
        let zero = Nums::I32(vec![1, 0]);
        assert_eq!(
            arith(BinOp::Div, &b, &zero),
            Err(ArithError::DivisionByZero(1))
        );
        // -1 converted to unsigned compares as 4294967295.
        let m1 = Scalar::Int(-1).column(Num::U32, 2);
        assert_eq!(compare(BinOp::Gt, &a, &m1), Ok(vec![false, false]));
    }

    #[test]
    fn casts_truncate_and_saturate() {
        let f = Nums::F64(vec![2.7, -2.7, f64::NAN, 1e20]);
        assert_eq!(cast(&f, Num::I32), Nums::I32(vec![2, -2, 0, i32::MAX]));
        assert_eq!(
            cast(&Nums::F32(vec![0.1]), Num::F64),
            Nums::F64(vec![0.1f32 as f64])
        );
        assert_eq!(
            cast(&Nums::Bool(vec![true, false]), Num::F32),
            Nums::F32(vec![1.0, 0.0])
        );
    }
}
