"""Certificate rendering throughput of one worker process.

    .venv/bin/python bench/certificates.py [--count 300]

Renders certificates for varied learners (Chinese names of 2–4 characters, long course titles)
and stores each PDF through Django's storage API into a scratch directory, as the worker does;
prints certificates per second, mean and largest file size. The database work around it (one
locked row read, one update) is measured by the real-stack tests, not here.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talentportal.settings")

import django

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import FileSystemStorage  # noqa: E402

from certificates.models import new_verification_code  # noqa: E402
from certificates.services import CertificateContent, certificate_render_pdf, verification_url  # noqa: E402

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧阳"
)
GIVEN = "小明丽华建国秀英志强桂兰海燕春梅红霞玉兰文静俊杰晓东佳怡子涵雨欣浩然梓萱一诺堃喆昇"
COURSES = ["农村电商运营", "短视频与直播带货实战", "AI数据标注基础", "数字乡村管理实务", "云计算与IT运维基础"]


def content(rng: random.Random) -> CertificateContent:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 3)))
    code = new_verification_code()
    return CertificateContent(
        name=name,
        course=rng.choice(COURSES),
        track="电商运营",
        hours=rng.choice([16, 24, 32, 40]),
        county="贵州省 铜仁市 万山区",
        cohort="万山区职校 2026 春季班",
        issued_on="2026年11月22日",
        code=code,
        url=verification_url(code),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(2026)
    contents = [content(rng) for _ in range(args.count)]
    certificate_render_pdf(contents[0])  # load the font once, as a long-running worker has
    with tempfile.TemporaryDirectory() as scratch:
        storage = FileSystemStorage(location=scratch)
        sizes = []
        started = time.perf_counter()
        for item in contents:
            pdf = certificate_render_pdf(item)
            storage.save(f"certificates/{item.code}.pdf", ContentFile(pdf))
            sizes.append(len(pdf))
        elapsed = time.perf_counter() - started
    print(f"certificates rendered and stored: {args.count} in {elapsed:.2f} s")
    print(f"certificates per second per process: {args.count / elapsed:.1f}")
    print(f"PDF size: mean {statistics.mean(sizes) / 1024:.1f} KB, largest {max(sizes) / 1024:.1f} KB")


if __name__ == "__main__":
    main()
