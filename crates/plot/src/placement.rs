//! Placement of point labels so that they overlap neither each other nor
//! the markers, with a leader line where a label sits away from its point.
//!
//! Points whose labels would collide at their default place form a cluster.
//! A cluster's labels are stacked in a column beside it, top to bottom in
//! the order of their points, each joined to its point by a leader line, so
//! that the order can be read off.
//!
//! A lone label, or one whose column finds no free place, tries positions on
//! rings of growing radius around its point, in 24 directions. It takes the
//! position of lowest cost, which is the distance from the point plus
//! penalties for covering a placed label, a marker or a drawn line, and for
//! a leader line that crosses a placed label or leader. Covering a label or
//! a marker costs more than any distance, so it happens only when no free
//! position exists inside the plot area.

/// An axis-aligned box in pixels; `right` and `bottom` are exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabelBox {
    /// Column of the left edge.
    pub left: i32,
    /// Row of the top edge.
    pub top: i32,
    /// Column just right of the right edge.
    pub right: i32,
    /// Row just below the bottom edge.
    pub bottom: i32,
}

impl LabelBox {
    /// Returns whether the two boxes share a pixel.
    pub fn intersects(&self, other: &LabelBox) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }

    /// Returns the Euclidean distance in pixels from `point` to the nearest
    /// pixel of the box; 0 inside it.
    pub fn distance_to(&self, point: (i32, i32)) -> f64 {
        let (x, y) = self.nearest_to(point);
        f64::from(x - point.0).hypot(f64::from(y - point.1))
    }

    /// Returns whether `inner` lies entirely inside this box.
    pub fn contains_box(&self, inner: &LabelBox) -> bool {
        inner.left >= self.left
            && inner.right <= self.right
            && inner.top >= self.top
            && inner.bottom <= self.bottom
    }

    /// Returns the pixel of the box nearest to `point`.
    pub(crate) fn nearest_to(&self, (x, y): (i32, i32)) -> (i32, i32) {
        (
            x.clamp(self.left, self.right - 1),
            y.clamp(self.top, self.bottom - 1),
        )
    }

    fn grown(&self, by: i32) -> LabelBox {
        LabelBox {
            left: self.left - by,
            top: self.top - by,
            right: self.right + by,
            bottom: self.bottom + by,
        }
    }

    fn crosses(&self, (a, b): Segment) -> bool {
        segment_meets_box(a, b, self)
    }
}

/// A line segment between two pixels.
pub(crate) type Segment = ((i32, i32), (i32, i32));

/// Obstacles that labels must avoid, besides each other.
pub(crate) struct Obstacles {
    /// Centres of the round markers.
    pub(crate) markers: Vec<(i32, i32)>,
    /// Radius of every marker in pixels.
    pub(crate) marker_radius: i32,
    /// Drawn lines that labels should not cover if a free place exists.
    pub(crate) lines: Vec<Segment>,
    /// Labels must lie inside this box.
    pub(crate) area: LabelBox,
}

/// A label's place, and the leader line from its point, if any.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Placement {
    pub(crate) bounds: LabelBox,
    /// From the edge of the point's marker to the edge of the label.
    pub(crate) leader: Option<Segment>,
}

/// Gap in pixels kept between labels, and between a label and a marker.
const GAP: i32 = 3;

/// A label further than this from its point's marker gets a leader line.
const LEADER_DISTANCE: f64 = 7.0;

/// Places one label of size `sizes[i]` (width, height) for each point
/// `anchors[i]`; returns the placements in the order of `anchors`.
pub(crate) fn place_labels(
    anchors: &[(i32, i32)],
    sizes: &[(i32, i32)],
    obstacles: &Obstacles,
) -> Vec<Placement> {
    let mut clusters = clusters(anchors, sizes);
    // Large clusters first: a column needs more room than a single label.
    clusters.sort_by_key(|members| std::cmp::Reverse(members.len()));

    let mut placed: Vec<Option<Placement>> = vec![None; anchors.len()];
    for members in clusters {
        let done: Vec<Placement> = placed.iter().flatten().copied().collect();
        if members.len() > 1 {
            if let Some(column) = place_column(&members, anchors, sizes, obstacles, &done) {
                for (&i, placement) in members.iter().zip(column) {
                    placed[i] = Some(placement);
                }
                continue;
            }
        }
        for &i in &members {
            let done: Vec<Placement> = placed.iter().flatten().copied().collect();
            placed[i] = Some(place_on_rings(anchors[i], sizes[i], obstacles, &done));
        }
    }
    placed
        .into_iter()
        .map(|p| p.expect("every label is placed"))
        .collect()
}

/// Groups the points whose labels, at their default place right of the
/// point, would overlap: the connected groups of points less than a label
/// apart horizontally and vertically. Each group lists its members in order.
fn clusters(anchors: &[(i32, i32)], sizes: &[(i32, i32)]) -> Vec<Vec<usize>> {
    let count = anchors.len();
    let conflict = |i: usize, j: usize| {
        let width = sizes[i].0.max(sizes[j].0) + GAP;
        let height = sizes[i].1.max(sizes[j].1) + GAP;
        (anchors[i].0 - anchors[j].0).abs() < width && (anchors[i].1 - anchors[j].1).abs() < height
    };
    let mut group = vec![usize::MAX; count];
    let mut groups = Vec::new();
    for start in 0..count {
        if group[start] != usize::MAX {
            continue;
        }
        let id = groups.len();
        group[start] = id;
        let mut members = vec![start];
        let mut next = 0;
        while next < members.len() {
            let i = members[next];
            next += 1;
            let joining: Vec<usize> = (0..count)
                .filter(|&j| group[j] == usize::MAX && conflict(i, j))
                .collect();
            for j in joining {
                group[j] = id;
                members.push(j);
            }
        }
        members.sort_unstable();
        groups.push(members);
    }
    groups
}

/// Stacks the labels of `members` in a column right (or else left) of their
/// points, top to bottom by the height of the points.
///
/// Returns the placements in the order of `members`, or `None` if no column
/// position is free of placed labels and markers.
fn place_column(
    members: &[usize],
    anchors: &[(i32, i32)],
    sizes: &[(i32, i32)],
    obstacles: &Obstacles,
    placed: &[Placement],
) -> Option<Vec<Placement>> {
    // Top to bottom; points at the same height keep their order.
    let mut order = members.to_vec();
    order.sort_by_key(|&i| (anchors[i].1, i));

    let radius = obstacles.marker_radius;
    let width = order.iter().map(|&i| sizes[i].0).max()?;
    let height: i32 = order.iter().map(|&i| sizes[i].1 + GAP).sum::<i32>() - GAP;
    let ys = order.iter().map(|&i| anchors[i].1);
    let middle = (ys.clone().min()? + ys.max()?) / 2;
    let xs = order.iter().map(|&i| anchors[i].0);
    let right_of = xs.clone().max()? + radius + 18;
    let left_of = xs.min()? - radius - 18 - width;

    let mut best: Option<(f64, Vec<Placement>)> = None;
    for left in [right_of, left_of] {
        for shift in [0, -1, 1, -2, 2, -3, 3, -4, 4, -6, 6, -8, 8] {
            let mut top = middle - height / 2 + shift * 12;
            let mut column = Vec::with_capacity(order.len());
            let mut cost = f64::from(shift.abs() * 12);
            for &i in &order {
                let bounds = LabelBox {
                    left,
                    top,
                    right: left + sizes[i].0,
                    bottom: top + sizes[i].1,
                };
                top = bounds.bottom + GAP;
                let placement = with_leader(anchors[i], bounds, radius);
                let mut others = placed.to_vec();
                others.extend(column.iter().copied());
                cost += penalty(&placement, obstacles, &others);
                column.push(placement);
            }
            let inside = column
                .iter()
                .all(|p| obstacles.area.contains_box(&p.bounds));
            if inside && cost < COVER_PENALTY && best.as_ref().is_none_or(|(b, _)| cost < *b) {
                best = Some((cost, column));
            }
        }
    }

    let (_, column) = best?;
    let mut by_member = vec![None; anchors.len()];
    for (&i, placement) in order.iter().zip(column) {
        by_member[i] = Some(placement);
    }
    members.iter().map(|&i| by_member[i]).collect()
}

/// Places one label around `anchor` at the free ring position of lowest cost.
fn place_on_rings(
    anchor: (i32, i32),
    size: (i32, i32),
    obstacles: &Obstacles,
    placed: &[Placement],
) -> Placement {
    let best = candidates(anchor, size, obstacles.marker_radius)
        .filter(|(bounds, _)| obstacles.area.contains_box(bounds))
        .map(|(bounds, distance)| {
            let placement = with_leader(anchor, bounds, obstacles.marker_radius);
            let cost = distance + penalty(&placement, obstacles, placed);
            (cost, placement)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, placement)) => placement,
        // The area is smaller than the label: keep it at the point.
        None => Placement {
            bounds: centred(anchor, size),
            leader: None,
        },
    }
}

/// Ring radii in pixels: the gap between the marker and the label.
const RADII: [i32; 16] = [
    GAP, 8, 16, 26, 38, 52, 68, 86, 106, 128, 152, 178, 206, 236, 268, 302,
];

/// Number of directions tried on each ring.
const DIRECTIONS: usize = 24;

/// Yields candidate boxes around `anchor` with their base cost: the gap to
/// the marker, plus a small preference for the upper right, where readers
/// look for a point's label first.
fn candidates(
    anchor: (i32, i32),
    (width, height): (i32, i32),
    marker_radius: i32,
) -> impl Iterator<Item = (LabelBox, f64)> {
    RADII.into_iter().flat_map(move |radius| {
        (0..DIRECTIONS).map(move |step| {
            let angle = std::f64::consts::TAU * step as f64 / DIRECTIONS as f64;
            let (dx, dy) = (angle.cos(), -angle.sin());
            // The point of the box nearest to the anchor lies `reach` away in
            // direction (dx, dy): the left edge for directions to the right,
            // the middle for directions nearly straight up or down, and so on.
            let reach = f64::from(radius + marker_radius);
            let x = f64::from(anchor.0) + dx * reach;
            let y = f64::from(anchor.1) + dy * reach;
            let side = |d: f64, size: i32| {
                if d > 0.3 {
                    0.0
                } else if d < -0.3 {
                    -f64::from(size)
                } else {
                    -f64::from(size) / 2.0
                }
            };
            let left = (x + side(dx, width)).round() as i32;
            let top = (y + side(dy, height)).round() as i32;
            let bounds = LabelBox {
                left,
                top,
                right: left + width,
                bottom: top + height,
            };
            // 0 at 45 degrees (upper right), up to 4 at the opposite side.
            let turn = (angle - std::f64::consts::FRAC_PI_4).cos();
            (bounds, f64::from(radius) + 2.0 * (1.0 - turn))
        })
    })
}

fn centred((x, y): (i32, i32), (width, height): (i32, i32)) -> LabelBox {
    let left = x - width / 2;
    let top = y - height / 2;
    LabelBox {
        left,
        top,
        right: left + width,
        bottom: top + height,
    }
}

/// Adds the leader line a label at `bounds` needs, if it is away from its point.
fn with_leader(anchor: (i32, i32), bounds: LabelBox, marker_radius: i32) -> Placement {
    let distance = bounds.distance_to(anchor);
    if distance <= f64::from(marker_radius) + LEADER_DISTANCE {
        return Placement {
            bounds,
            leader: None,
        };
    }
    let end = bounds.nearest_to(anchor);
    let (dx, dy) = (f64::from(end.0 - anchor.0), f64::from(end.1 - anchor.1));
    let start = (
        anchor.0 + (dx / distance * f64::from(marker_radius + 1)).round() as i32,
        anchor.1 + (dy / distance * f64::from(marker_radius + 1)).round() as i32,
    );
    Placement {
        bounds,
        leader: Some((start, end)),
    }
}

/// Cost of covering another label or a marker: more than any distance.
const COVER_PENALTY: f64 = 100_000.0;
/// Cost of a leader line through a placed label.
const LEADER_THROUGH_LABEL_PENALTY: f64 = 5_000.0;
/// Cost of a leader line through another marker.
const LEADER_THROUGH_MARKER_PENALTY: f64 = 400.0;
/// Cost of two leader lines crossing.
const LEADER_CROSSING_PENALTY: f64 = 300.0;
/// Cost of a label over a drawn line.
const LINE_PENALTY: f64 = 40.0;

fn penalty(candidate: &Placement, obstacles: &Obstacles, placed: &[Placement]) -> f64 {
    let bounds = candidate.bounds;
    let padded = bounds.grown(GAP);
    let radius = obstacles.marker_radius;
    let mut cost = 0.0;

    for other in placed {
        if padded.intersects(&other.bounds) {
            cost += COVER_PENALTY;
        }
        if let Some(leader) = other.leader {
            if bounds.crosses(leader) {
                cost += LEADER_THROUGH_LABEL_PENALTY;
            }
        }
        if let Some(leader) = candidate.leader {
            if other.bounds.crosses(leader) {
                cost += LEADER_THROUGH_LABEL_PENALTY;
            }
            if let Some(other_leader) = other.leader {
                if segments_cross(leader, other_leader) {
                    cost += LEADER_CROSSING_PENALTY;
                }
            }
        }
    }

    for &marker in &obstacles.markers {
        if bounds.distance_to(marker) < f64::from(radius + GAP) {
            cost += COVER_PENALTY;
        }
        if let Some(leader) = candidate.leader {
            let (start, end) = leader;
            let near_ends = distance(marker, start) <= f64::from(radius + 2)
                || distance(marker, end) <= f64::from(radius + 2);
            let marker_box = centred(marker, (2 * radius, 2 * radius));
            if !near_ends && marker_box.crosses(leader) {
                cost += LEADER_THROUGH_MARKER_PENALTY;
            }
        }
    }

    for &line in &obstacles.lines {
        if bounds.crosses(line) {
            cost += LINE_PENALTY;
        }
    }
    cost
}

fn distance(a: (i32, i32), b: (i32, i32)) -> f64 {
    f64::from(a.0 - b.0).hypot(f64::from(a.1 - b.1))
}

/// Returns whether the segment from `a` to `b` meets `bounds` (Liang–Barsky clipping).
fn segment_meets_box(a: (i32, i32), b: (i32, i32), bounds: &LabelBox) -> bool {
    let (x0, y0) = (f64::from(a.0), f64::from(a.1));
    let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
    let (left, right) = (f64::from(bounds.left), f64::from(bounds.right - 1));
    let (top, bottom) = (f64::from(bounds.top), f64::from(bounds.bottom - 1));
    let mut low: f64 = 0.0;
    let mut high: f64 = 1.0;
    for (p, q) in [
        (-dx, x0 - left),
        (dx, right - x0),
        (-dy, y0 - top),
        (dy, bottom - y0),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                low = low.max(t);
            } else {
                high = high.min(t);
            }
        }
    }
    low <= high
}

/// Returns whether two segments cross at a point inside both; segments that
/// only share an end point do not cross.
fn segments_cross((a, b): Segment, (c, d): Segment) -> bool {
    let orientation = |p: (i32, i32), q: (i32, i32), r: (i32, i32)| {
        let value = i64::from(q.0 - p.0) * i64::from(r.1 - p.1)
            - i64::from(q.1 - p.1) * i64::from(r.0 - p.0);
        value.signum()
    };
    let (o1, o2) = (orientation(a, b, c), orientation(a, b, d));
    let (o3, o4) = (orientation(c, d, a), orientation(c, d, b));
    o1 * o2 < 0 && o3 * o4 < 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area() -> LabelBox {
        LabelBox {
            left: 0,
            top: 0,
            right: 800,
            bottom: 500,
        }
    }

    #[test]
    fn segment_through_box_meets_it() {
        let bounds = LabelBox {
            left: 10,
            top: 10,
            right: 20,
            bottom: 20,
        };
        assert!(segment_meets_box((0, 15), (30, 15), &bounds));
        assert!(segment_meets_box((12, 12), (13, 13), &bounds));
        assert!(!segment_meets_box((0, 0), (30, 5), &bounds));
        assert!(!segment_meets_box((0, 30), (30, 25), &bounds));
    }

    #[test]
    fn crossing_segments_are_detected() {
        assert!(segments_cross(((0, 0), (10, 10)), ((0, 10), (10, 0))));
        assert!(!segments_cross(((0, 0), (10, 0)), ((0, 5), (10, 5))));
        assert!(!segments_cross(((0, 0), (10, 10)), ((10, 10), (20, 0))));
    }

    #[test]
    fn lone_label_sits_next_to_its_point() {
        let obstacles = Obstacles {
            markers: vec![(400, 250)],
            marker_radius: 5,
            lines: Vec::new(),
            area: area(),
        };
        let placed = place_labels(&[(400, 250)], &[(60, 16)], &obstacles);
        assert_eq!(placed[0].leader, None);
        let bounds = placed[0].bounds;
        assert!(bounds.left >= 400, "not right of the point: {bounds:?}");
        assert!(bounds.bottom <= 250, "not above the point: {bounds:?}");
    }

    #[test]
    fn close_points_form_one_cluster() {
        let anchors = [(100, 100), (104, 108), (400, 100), (108, 300)];
        let groups = clusters(&anchors, &[(60, 16); 4]);
        assert_eq!(groups, vec![vec![0, 1], vec![2], vec![3]]);
    }

    #[test]
    fn cluster_column_follows_point_heights() {
        let anchors = vec![(300, 200), (300, 190), (302, 210)];
        let obstacles = Obstacles {
            markers: anchors.clone(),
            marker_radius: 5,
            lines: Vec::new(),
            area: area(),
        };
        let placed = place_labels(&anchors, &[(60, 16); 3], &obstacles);
        // Point 1 is highest, then 0, then 2: the labels stack in that order.
        assert!(
            placed[1].bounds.bottom <= placed[0].bounds.top,
            "{placed:?}"
        );
        assert!(
            placed[0].bounds.bottom <= placed[2].bounds.top,
            "{placed:?}"
        );
        assert!(placed.iter().all(|p| p.leader.is_some()), "{placed:?}");
    }

    #[test]
    fn labels_of_one_point_do_not_overlap() {
        let anchors = vec![(700, 480); 8];
        let obstacles = Obstacles {
            markers: anchors.clone(),
            marker_radius: 5,
            lines: Vec::new(),
            area: area(),
        };
        let placed = place_labels(&anchors, &[(70, 16); 8], &obstacles);
        for (i, a) in placed.iter().enumerate() {
            assert!(area().contains_box(&a.bounds), "label {i}: {a:?}");
            assert!(a.bounds.distance_to((700, 480)) > 5.0, "label {i}: {a:?}");
            for b in &placed[i + 1..] {
                assert!(!a.bounds.intersects(&b.bounds), "{a:?} and {b:?}");
            }
        }
    }
}
